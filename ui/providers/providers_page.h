#pragma once
// The Providers page: every provider — kind, base URL, API version header, where its key
// comes from (never the key), state, timeouts, concurrency limits with the live adaptive
// limit and load — edited as a draft: add, edit (the form below the table), remove; a new
// key is typed once into a password field and stored encrypted on Apply. The draft is
// checked as a config load checks it, invalid fields are marked with their config path, and
// Apply stays disabled until they are fixed. "Test connection" makes one real call with the
// selected draft provider as edited (URL, version, timeouts, the key typed but not yet
// stored), outside routing, retries and the cache, and shows the outcome, the HTTP status,
// the latency phases and the API version the provider reports. Apply swaps the engine's
// providers live (requests under way finish on the old settings), then stores the keys and
// saves the providers section of the config file off the GUI thread.
#include <QString>
#include <QWidget>

#include <memory>

#include "providers/connection_test.h"

class DraftBar;
class EngineBridge;
class ProviderForm;
class ProvidersDraft;
class QLabel;
class QPushButton;
class QTableWidget;
class QTimer;

class ProvidersPage final : public QWidget {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        KindColumn,
        UrlColumn,
        VersionColumn,
        KeyColumn,
        StateColumn,
        TimeoutsColumn,
        ConcurrencyColumn,
        ColumnCount
    };
    static constexpr int kLiveRefreshMs = 1000;

    explicit ProvidersPage(EngineBridge& bridge, QWidget* parent = nullptr);
    ~ProvidersPage() override;

    // The operator's config file, where Apply saves the providers (created when it does not
    // exist yet). Empty: applied providers last until the engine stops (keys are still stored).
    void setConfigFile(const QString& path);

    void selectProvider(int row);
    int selectedProvider() const;
    int addProvider();      // selects the new provider; returns its row
    void removeProvider();  // the selected one
    void testConnection();  // the selected draft provider; the result arrives with testFinished()
    bool apply();           // false, with the reason shown, when nothing valid was applied
    void revert();
    void refreshLive();

    const ProvidersDraft* draft() const { return m_draft; }
    ProviderForm* form() const { return m_form; }
    QTableWidget* table() const { return m_table; }
    QPushButton* testButton() const { return m_test; }
    QPushButton* applyButton() const;
    QPushButton* addButton() const { return m_add; }
    QPushButton* removeButton() const { return m_remove; }
    QString resultText() const;
    QString versionWarning() const;  // empty when none is shown
    QString statusText() const;
    QString problemsText() const;  // every problem of the draft, one per line, with its path

signals:
    void testFinished(const sb::ConnectionTest& result);
    void saveFinished(bool ok, const QString& message);  // after an Apply: keys stored, file written

private:
    void saveApplied();
    QWidget* buildToolbar();
    void onDraftChanged();
    void fillTable();
    void updateActions();
    void showResult(const sb::ConnectionTest& result);

    EngineBridge& m_bridge;
    QString m_configFile;
    bool m_saving = false;  // from Apply until the keys and the file are written

    ProvidersDraft* m_draft;
    QTableWidget* m_table = nullptr;
    ProviderForm* m_form = nullptr;
    QPushButton* m_add = nullptr;
    QPushButton* m_remove = nullptr;
    QPushButton* m_test = nullptr;
    DraftBar* m_bar = nullptr;
    QLabel* m_problems = nullptr;
    QLabel* m_result = nullptr;
    QLabel* m_warning = nullptr;
    QTimer* m_liveTimer = nullptr;
};
