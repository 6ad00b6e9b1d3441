#include "cache/cache_page.h"

#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

#include "cache/cache_key_box.h"
#include "cache/cache_rules_draft.h"
#include "cache/cache_rules_editor.h"
#include "cache/cache_stats_panel.h"
#include "common/draft_bar.h"
#include "config/config_file_writer.h"
#include "engine_bridge.h"
#include "common/qt_text.h"

namespace {


QString entries(std::size_t n) {
    return n == 1 ? QObject::tr("1 entry") : QObject::tr("%1 entries").arg(QLocale().toString(qulonglong(n)));
}

}  // namespace

CachePage::CachePage(EngineBridge& bridge, QWidget* parent) : QWidget(parent), m_bridge(bridge) {
    m_confirm = [this](const QString& question) {
        return QMessageBox::question(this, tr("Purge the cache"), question) == QMessageBox::Yes;
    };
    m_rulesVersion = bridge.api().versions().cache_rules;  // before the rules: a change in between is caught
    const auto rules = bridge.api().cache_rules();
    if (!rules) {
        buildOffNotice();
        return;
    }

    m_draft = new CacheRulesDraft(*rules, this);
    m_editor = new CacheRulesEditor(*m_draft, this);
    m_keyBox = new CacheKeyBox(bridge, this);
    m_stats = new CacheStatsPanel(this);

    auto* left = new QSplitter(Qt::Vertical, this);
    left->addWidget(m_editor);
    left->addWidget(m_stats);
    left->setStretchFactor(0, 3);
    left->setStretchFactor(1, 2);
    m_keyBox->setMinimumWidth(320);  // keys are 68 characters, reasons are sentences
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(m_keyBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(buildToolbar());
    layout->addWidget(split, 1);

    connect(m_draft, &CacheRulesDraft::changed, this, &CachePage::onDraftChanged);
    connect(m_editor, &CacheRulesEditor::currentRowChanged, this, &CachePage::updateActions);

    m_liveTimer = new QTimer(this);
    m_liveTimer->setInterval(kLiveRefreshMs);
    connect(m_liveTimer, &QTimer::timeout, this, [this] {
        if (isVisible()) refreshLive();  // hidden pages cost nothing
    });
    m_liveTimer->start();
    updateActions();
    refreshLive();
}

CachePage::~CachePage() = default;

void CachePage::buildOffNotice() {
    m_off = new QLabel(tr("Caching is off: set cache.enabled in the config file (the \"cache\" section), then "
                          "restart Switchboard."),
                       this);
    m_off->setObjectName(QStringLiteral("cachingOff"));
    m_off->setWordWrap(true);
    m_off->setAlignment(Qt::AlignCenter);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_off, 1);
}

QWidget* CachePage::buildToolbar() {
    m_bar = new DraftBar(*m_draft,
                         {.applyTip = tr("Make the draft the live rules; the next request follows them"),
                          .invalidStatus = tr("Draft: fix the marked rules to apply"),
                          .cleanStatus = tr("The draft is the live rules")},
                         QStringLiteral("cacheStatus"), this);
    m_purgeAll = new QPushButton(tr("Purge all…"), m_bar);
    m_purgeAll->setToolTip(tr("Remove every cached answer"));
    m_purgeRule = new QPushButton(tr("Purge rule…"), m_bar);
    m_purgeRule->setToolTip(tr("Remove the answers the selected rule stored"));
    m_bar->addAfterRevert(m_purgeAll);
    m_bar->addAfterRevert(m_purgeRule);
    connect(m_bar, &DraftBar::applyRequested, this, &CachePage::apply);
    connect(m_bar, &DraftBar::revertRequested, this, &CachePage::revert);
    connect(m_purgeAll, &QPushButton::clicked, this, &CachePage::purgeAll);
    connect(m_purgeRule, &QPushButton::clicked, this, &CachePage::purgeSelectedRule);
    return m_bar;
}

void CachePage::setConfigFile(const QString& path) { m_configFile = path; }

void CachePage::setConfirm(Confirm confirm) { m_confirm = std::move(confirm); }

void CachePage::onDraftChanged() {
    m_editor->sync();
    updateActions();
}

void CachePage::updateActions() {
    if (!m_draft) return;
    const int row = m_editor->currentRow();
    m_purgeRule->setEnabled(row >= 0);
    m_purgeRule->setToolTip(row >= 0 ? tr("Remove the answers rule %1 stored").arg(qs(m_draft->draft()[std::size_t(row)].name))
                                     : tr("Select a rule to purge what it stored"));
}

bool CachePage::apply() {
    if (!m_draft || !m_draft->canApply()) return false;
    m_bridge.api().apply_cache_rules(m_draft->draft(), {m_rulesVersion, {}}, EngineBridge::onThreadOf<void>(this, [this](auto applied) {
        if (!applied) return m_bar->setMessage(tr("Not applied: %1").arg(qs(applied.error().message)));
        m_rulesVersion = m_bridge.api().versions().cache_rules;
        m_draft->setApplied(m_bridge.api().cache_rules().value_or(m_draft->draft()));  // the live rules: clean again
        const auto n = m_draft->applied().size();
        m_bar->showApplied(n == 1 ? tr("Applied 1 rule") : tr("Applied %1 rules").arg(n), m_configFile,
                           [rules = m_draft->applied()](const std::string& file) { return sb::save_cache_rules(file, rules); });
        m_keyBox->refresh();
    }));
    return true;
}

void CachePage::revert() {
    if (m_draft) m_draft->revert();
}

bool CachePage::purgeAll() {
    if (!m_draft) return false;
    const auto stats = m_bridge.api().cache_stats();
    const auto held = stats ? stats->store.entries : 0;
    const QString question =
        tr("Remove all %1 from the cache? Repeated questions go upstream again until they are cached anew.").arg(entries(held));
    if (m_confirm && !m_confirm(question)) return false;
    startPurge({}, tr("from the whole cache"));
    return true;
}

bool CachePage::purgeSelectedRule() {
    if (!m_draft) return false;
    const int row = m_editor->currentRow();
    if (row < 0 || row >= int(m_draft->draft().size())) return false;
    const std::string rule = m_draft->draft()[std::size_t(row)].name;
    const QString question = tr("Remove the answers rule %1 stored?").arg(qs(rule));
    if (m_confirm && !m_confirm(question)) return false;
    startPurge(rule, tr("stored by rule %1").arg(qs(rule)));
    return true;
}

// A purge may reach Redis: it runs off the GUI thread, and says so while it does.
void CachePage::startPurge(std::string rule, const QString& what) {
    m_bar->setMessage(tr("Purging…"));
    m_bridge.api().purge_cache(std::move(rule), EngineBridge::onThreadOf<std::size_t>(this, [this, what](auto purged) {
        if (!purged) return m_bar->setMessage(tr("Not purged: %1").arg(qs(purged.error().message)));
        refreshLive();  // first: rules changed elsewhere would clear the message
        m_bar->setMessage(tr("Purged %1 %2").arg(entries(*purged), what));
    }));
}

void CachePage::refreshLive() {
    if (!m_draft) return;
    // Applied elsewhere (the gateway's admin API): a clean draft follows.
    m_rulesVersion = m_bridge.api().versions().cache_rules;
    if (const auto rules = m_bridge.api().cache_rules()) m_draft->setApplied(*rules);
    if (const auto stats = m_bridge.api().cache_stats()) m_stats->setStats(*stats);
}

void CachePage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refreshLive();  // the timer skipped work while hidden
}

QString CachePage::statusText() const { return m_bar ? m_bar->statusText() : QString(); }

QPushButton* CachePage::applyButton() const { return m_bar ? m_bar->applyButton() : nullptr; }

QPushButton* CachePage::revertButton() const { return m_bar ? m_bar->revertButton() : nullptr; }

QString CachePage::offText() const { return m_off ? m_off->text() : QString(); }
