#pragma once
// The Alerts page: the alerts that fired (firing first, then resolved, newest first) with
// their times, and the engine's alert rules edited as a draft and applied atomically
// (invalid cells are marked, their paths listed, and Apply waits until they are fixed).
// The list refreshes once a second while the page is visible. When an alert fires the
// operator is told whichever page is showing: a desktop notification when a system tray
// exists, and a notice on this page. Applied rules are also saved into the operator's
// config file when one is set.
#include <QString>
#include <QWidget>

#include <cstdint>

class AlertEventsModel;
class AlertNotifier;
class AlertRulesDraft;
class AlertRulesEditor;
class DraftBar;
class EngineBridge;
class QLabel;
class QPushButton;
class QTableView;
class QTimer;

class AlertsPage final : public QWidget {
    Q_OBJECT
public:
    static constexpr int kLiveRefreshMs = 1000;

    explicit AlertsPage(EngineBridge& bridge, QWidget* parent = nullptr);
    ~AlertsPage() override;

    void setConfigFile(const QString& path);
    QString configFile() const { return m_configFile; }

    bool apply();  // false, with the reason shown, when there is nothing valid to apply or the engine refused
    void revert();
    void refreshLive();

    AlertEventsModel* eventsModel() const { return m_model; }
    QTableView* eventsView() const { return m_view; }
    const AlertRulesDraft* draft() const { return m_draft; }
    AlertRulesEditor* rulesEditor() const { return m_editor; }
    AlertNotifier* notifier() const { return m_notifier; }
    QPushButton* applyButton() const;
    QPushButton* revertButton() const;
    QString summaryText() const;
    QString noticeText() const;  // the last alert that fired, while any is firing
    QString statusText() const;

signals:
    void alertFired(const QString& text);

protected:
    void showEvent(QShowEvent* event) override;

private:
    QWidget* buildRulesBox();
    void onDraftChanged();
    void onAlertFired(const QString& text);

    EngineBridge& m_bridge;
    QString m_configFile;
    std::uint64_t m_generation = ~std::uint64_t{0};
    std::uint64_t m_rulesVersion = 0;  // of the alert rules the draft last followed

    AlertNotifier* m_notifier;
    AlertEventsModel* m_model;
    AlertRulesDraft* m_draft;
    QTimer* m_liveTimer;
    QLabel* m_summary = nullptr;
    QLabel* m_notice = nullptr;
    QTableView* m_view = nullptr;
    AlertRulesEditor* m_editor = nullptr;
    DraftBar* m_bar = nullptr;
};
