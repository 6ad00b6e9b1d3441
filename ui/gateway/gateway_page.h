#pragma once
// The Gateway page: whether the console serves the OpenAI-compatible endpoint and where,
// and the gateway keys — list, create (the secret is shown once, with Copy), change a key's
// limits (the form's values, applied to the selected key), revoke. Keys
// are the same ones `switchboard-gateway keys` manages: stored hashed in the history
// database, so a key made here works for `switchboard-gateway serve` on that database. Key
// operations go through the console's engine interface; its replies update the page.
#include <QString>
#include <QWidget>

#include <functional>

#include "console/console_api.h"

class EmbeddedGateway;
class EngineBridge;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTimer;

class GatewayPage final : public QWidget {
    Q_OBJECT
public:
    static constexpr int kRefreshMs = 2000;
    enum Column { NameColumn, IdColumn, PrefixColumn, CreatedColumn, StatusColumn, RpmColumn, TpmColumn,
                  BudgetColumn, SpentColumn, LastUsedColumn, ColumnCount };

    // `gateway` null: no endpoint, and keys cannot be kept (history is off); the page says why.
    GatewayPage(EngineBridge& bridge, EmbeddedGateway* gateway, const QString& unavailableReason = {},
                QWidget* parent = nullptr);

    // Each is false, with the reason in statusText(), when the operation did not happen (as far
    // as is known when it returns: a reply still on its way shows in the status when it comes).
    bool createKey(const QString& name, int rpm, int tpm, double monthlyBudgetUsd);
    bool revokeSelected();  // asks for confirmation first
    // The selected key's limits become these.
    bool setLimitsOfSelected(int rpm, int tpm, double monthlyBudgetUsd);
    void refresh();
    // Replaces the yes/no question before a revocation (tests answer it).
    void setConfirmation(std::function<bool(const QString& question)> confirm) { m_confirm = std::move(confirm); }

    QString endpointText() const;
    QString statusText() const;
    QString newSecret() const;  // the key just created; empty once another action happened
    QTableWidget* table() const { return m_table; }
    QLineEdit* nameEdit() const { return m_name; }
    QPushButton* createButton() const { return m_create; }
    QPushButton* revokeButton() const { return m_revoke; }
    QPushButton* setLimitsButton() const { return m_setLimits; }

signals:
    void keysChanged();

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void showStatus(const QString& text);
    void showKeys(const std::vector<sb::GatewayKeyInfo>& keys);
    QString selectedColumn(Column column) const;  // empty: no row selected

    // Runs a key operation; `done` gets its outcome on this page's thread and says whether it
    // happened. False when it is known not to have.
    template <class T, class Call>
    bool keyOperation(Call call, std::function<bool(sb::ConsoleResult<T>)> done);

    EngineBridge& m_bridge;
    EmbeddedGateway* m_gateway;
    std::function<bool(const QString&)> m_confirm;
    QLabel* m_endpoint = nullptr;
    QTableWidget* m_table = nullptr;
    QLineEdit* m_name = nullptr;
    QSpinBox* m_rpm = nullptr;
    QSpinBox* m_tpm = nullptr;
    QDoubleSpinBox* m_budget = nullptr;
    QPushButton* m_create = nullptr;
    QPushButton* m_revoke = nullptr;
    QPushButton* m_setLimits = nullptr;
    QLineEdit* m_secret = nullptr;
    QPushButton* m_copy = nullptr;
    QLabel* m_status = nullptr;
    QTimer* m_timer = nullptr;
};
