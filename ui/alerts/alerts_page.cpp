#include "alerts/alerts_page.h"

#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include "alerts/alert_events_model.h"
#include "alerts/alert_notifier.h"
#include "alerts/alert_rules_draft.h"
#include "alerts/alert_rules_editor.h"
#include "common/draft_bar.h"
#include "config/config_file_writer.h"
#include "engine_bridge.h"
#include "common/qt_text.h"

AlertsPage::AlertsPage(EngineBridge& bridge, QWidget* parent)
    : QWidget(parent),
      m_bridge(bridge),
      m_notifier(new AlertNotifier(bridge.api(), this)),
      m_model(new AlertEventsModel(this)),
      m_draft(new AlertRulesDraft(bridge.api().alert_rules(), this)),
      m_liveTimer(new QTimer(this)) {
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("alertsSummary"));
    QFont bold = m_summary->font();
    bold.setBold(true);
    m_summary->setFont(bold);
    m_notice = new QLabel(this);
    m_notice->setObjectName(QStringLiteral("alertNotice"));
    m_notice->setWordWrap(true);
    m_notice->setStyleSheet(QStringLiteral("background: #fdecea; color: #b71c1c; padding: 6px; border-radius: 3px;"));
    m_notice->hide();

    m_view = new QTableView(this);
    m_view->setObjectName(QStringLiteral("alertEvents"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(AlertEventsModel::MessageColumn, QHeaderView::Stretch);

    m_editor = new AlertRulesEditor(*m_draft, this);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(buildRulesBox());
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_notice);
    layout->addWidget(split, 1);

    connect(m_draft, &AlertRulesDraft::changed, this, &AlertsPage::onDraftChanged);
    connect(m_notifier, &AlertNotifier::alertFired, this, &AlertsPage::onAlertFired);
    m_liveTimer->setInterval(kLiveRefreshMs);
    connect(m_liveTimer, &QTimer::timeout, this, [this] {
        if (isVisible()) refreshLive();  // hidden pages cost nothing; the notifier still tells
    });
    m_liveTimer->start();
    refreshLive();
}

AlertsPage::~AlertsPage() = default;

QWidget* AlertsPage::buildRulesBox() {
    auto* box = new QWidget(this);
    m_bar = new DraftBar(*m_draft,
                         {.applyTip = tr("Make the draft the live rules; the next evaluation follows them"),
                          .invalidStatus = tr("Draft: fix the marked rules to apply"),
                          .cleanStatus = tr("The draft is the live rules")},
                         QStringLiteral("alertsStatus"), box);
    connect(m_bar, &DraftBar::applyRequested, this, &AlertsPage::apply);
    connect(m_bar, &DraftBar::revertRequested, this, &AlertsPage::revert);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_editor, 1);
    layout->addWidget(m_bar);
    return box;
}

void AlertsPage::setConfigFile(const QString& path) { m_configFile = path; }

void AlertsPage::onDraftChanged() { m_editor->sync(); }

void AlertsPage::onAlertFired(const QString& text) {
    m_notice->setText(tr("⚠ Alert fired: %1").arg(text));
    m_notice->show();
    refreshLive();
    emit alertFired(text);
}

bool AlertsPage::apply() {
    if (!m_draft->canApply()) return false;
    // Judged by the new rules at once, not at the next tick.
    m_bridge.api().apply_alert_rules(m_draft->draft(), {m_rulesVersion, {}}, EngineBridge::onThreadOf<void>(this, [this](auto applied) {
        if (!applied) {
            QStringList lines;
            for (const auto& e : applied.error().fields) lines << QStringLiteral("alerts.rules") + qs(e.to_string());
            if (lines.isEmpty()) lines << qs(applied.error().message);  // e.g. changed elsewhere since loaded
            return m_bar->setMessage(tr("Not applied: %1").arg(lines.join(QStringLiteral("; "))));
        }
        m_rulesVersion = m_bridge.api().versions().alert_rules;
        m_draft->setApplied(m_bridge.api().alert_rules());  // the draft is now the live rules: clean again
        m_bar->showApplied(tr("Applied %n rule(s)", nullptr, int(m_draft->applied().size())), m_configFile,
                           [rules = m_draft->applied()](const std::string& file) { return sb::save_alert_rules(file, rules); });
        refreshLive();
    }));
    return true;
}

void AlertsPage::revert() { m_draft->revert(); }

void AlertsPage::refreshLive() {
    // Applied elsewhere (the gateway's admin API): a clean draft follows.
    if (const auto versions = m_bridge.api().versions(); versions.alert_rules != m_rulesVersion) {
        m_rulesVersion = versions.alert_rules;
        m_draft->setApplied(m_bridge.api().alert_rules());
    }
    if (auto alerts = m_bridge.api().alerts(m_generation); alerts.generation != m_generation) {
        m_generation = alerts.generation;
        m_model->setEvents(std::move(alerts.events));
    }
    const int firing = m_model->firingCount();
    const QString summary = AlertNotifier::summary(std::size_t(firing));
    if (m_summary->text() != summary) m_summary->setText(summary);
    if (firing == 0 && m_notice->isVisible()) m_notice->hide();
}

void AlertsPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refreshLive();  // the timer skipped work while hidden
}

QString AlertsPage::summaryText() const { return m_summary->text(); }
QString AlertsPage::noticeText() const { return m_notice->isVisibleTo(this) ? m_notice->text() : QString(); }
QString AlertsPage::statusText() const { return m_bar->statusText(); }
QPushButton* AlertsPage::applyButton() const { return m_bar->applyButton(); }
QPushButton* AlertsPage::revertButton() const { return m_bar->revertButton(); }
