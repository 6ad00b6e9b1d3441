#pragma once
// The Providers page: every configured provider — kind, base URL, API version header, key
// (masked; "Reveal key…" asks first and masks it again after a few seconds), enabled or
// simulated, timeouts, and concurrency limits with the live adaptive limit and load — and a
// "Test connection" button that makes one real call to the selected provider (outside
// routing, retries and the cache) and shows the outcome, the HTTP status, the latency phases
// and the API version the provider reports, with a warning when it differs from the
// configured one. Provider settings are edited in the config file; traffic is shifted on
// the Routing page.
#include <QString>
#include <QWidget>

#include <functional>
#include <memory>

#include "providers/connection_test.h"

class EngineBridge;
class QLabel;
class QPushButton;
class QTableWidget;
class QTimer;

namespace sb {
class HttpClient;
}

class ProvidersPage final : public QWidget {
    Q_OBJECT
public:
    enum Column { NameColumn, KindColumn, UrlColumn, VersionColumn, KeyColumn, StateColumn, TimeoutsColumn, ConcurrencyColumn, ColumnCount };
    static constexpr int kLiveRefreshMs = 1000;

    // Asked before a key is shown; true to show it. The default asks with a message box.
    using Confirm = std::function<bool(const QString& question)>;

    explicit ProvidersPage(EngineBridge& bridge, QWidget* parent = nullptr);
    ~ProvidersPage() override;

    void setConfirm(Confirm confirm) { m_confirm = std::move(confirm); }
    void setRevealSeconds(int seconds) { m_revealSeconds = seconds; }

    void selectProvider(int row);
    int selectedProvider() const;
    void testConnection();  // the selected provider; the result arrives with testFinished()
    bool revealKey();       // false when not confirmed, or the provider has no key
    void refreshLive();

    QTableWidget* table() const { return m_table; }
    QPushButton* testButton() const { return m_test; }
    QPushButton* revealButton() const { return m_reveal; }
    QString resultText() const;
    QString versionWarning() const;  // empty when none is shown
    QString keyText() const;         // the selected provider's key as shown now

signals:
    void testFinished(const sb::ConnectionTest& result);

private:
    void buildTable();
    void showSelection();
    void showResult(const sb::ConnectionTest& result);
    QString keyShown(int row) const;

    EngineBridge& m_bridge;
    Confirm m_confirm;
    int m_revealSeconds = 15;
    int m_revealedRow = -1;
    std::unique_ptr<sb::HttpClient> m_client;  // for connection tests, made on first use

    QTableWidget* m_table = nullptr;
    QLabel* m_key = nullptr;
    QPushButton* m_test = nullptr;
    QPushButton* m_reveal = nullptr;
    QLabel* m_result = nullptr;
    QLabel* m_warning = nullptr;
    QTimer* m_liveTimer = nullptr;
    QTimer* m_maskTimer = nullptr;
};
