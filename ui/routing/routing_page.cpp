#include "routing/routing_page.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

#include <chrono>

#include "common/draft_bar.h"
#include "config/config_file_writer.h"
#include "cost/what_if.h"
#include "engine_bridge.h"
#include "routing/route_preview_box.h"
#include "routing/routing_draft.h"
#include "routing/routing_figures.h"
#include "routing/rules_editor.h"
#include "routing/tier_editor.h"
#include "routing/versions_list.h"
#include "routing/what_if_panel.h"
#include "common/qt_text.h"

using namespace std::chrono_literals;

namespace {

constexpr int kMaxErrorsShown = 8;


}  // namespace

RoutingPage::RoutingPage(EngineBridge& bridge, QWidget* parent)
    : QWidget(parent),
      m_bridge(bridge),
      m_draft(new RoutingDraft(bridge.providers(), bridge.api().routing(), this)),
      m_startRouting(m_draft->applied()),
      m_liveTimer(new QTimer(this)),
      m_whatIfTimer(new QTimer(this)) {
    if (const auto versions = bridge.api().config_versions(); !versions.empty())
        m_startVersionId = versions.back().id;

    m_tiers = new QListWidget(this);
    m_tiers->setObjectName(QStringLiteral("tiers"));
    m_tiers->setMaximumWidth(150);
    m_tierEditor = new TierEditor(*m_draft, this);
    m_whatIf = new WhatIfPanel(this);
    m_rulesEditor = new RulesEditor(*m_draft, this);
    m_preview = new RoutePreviewBox(bridge, *m_draft, this);
    m_versions = new VersionsList(this);

    auto* tierColumn = new QWidget(this);
    auto* tierLayout = new QVBoxLayout(tierColumn);
    tierLayout->setContentsMargins(0, 0, 0, 0);
    tierLayout->addWidget(new QLabel(tr("Tiers"), tierColumn));
    tierLayout->addWidget(m_tiers, 1);
    m_newTierName = new QLineEdit(tierColumn);
    m_newTierName->setPlaceholderText(tr("New tier name"));
    m_addTier = new QPushButton(tr("Add tier"), tierColumn);
    m_removeTier = new QPushButton(tr("Remove tier"), tierColumn);
    m_removeTier->setToolTip(tr("Rules that send requests to it, or the default tier, must be changed too"));
    tierLayout->addWidget(m_newTierName);
    tierLayout->addWidget(m_addTier);
    tierLayout->addWidget(m_removeTier);
    connect(m_addTier, &QPushButton::clicked, this, &RoutingPage::addTier);
    connect(m_newTierName, &QLineEdit::returnPressed, this, &RoutingPage::addTier);
    connect(m_removeTier, &QPushButton::clicked, this, &RoutingPage::removeTier);

    auto* centre = new QSplitter(Qt::Vertical, this);
    auto* tierBox = new QWidget(centre);
    auto* tierBoxLayout = new QVBoxLayout(tierBox);
    tierBoxLayout->setContentsMargins(0, 0, 0, 0);
    tierBoxLayout->addWidget(m_tierEditor, 1);
    tierBoxLayout->addWidget(m_whatIf);
    centre->addWidget(tierBox);
    centre->addWidget(m_rulesEditor);
    centre->setStretchFactor(0, 1);
    centre->setStretchFactor(1, 1);

    auto* right = new QWidget(this);
    right->setMinimumWidth(300);  // the preview's reasons are sentences
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_preview);
    rightLayout->addWidget(new QLabel(tr("Versions"), right));
    rightLayout->addWidget(m_versions, 1);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(tierColumn);
    split->addWidget(centre);
    split->addWidget(right);
    split->setStretchFactor(1, 5);
    split->setStretchFactor(2, 2);

    m_errors = new QLabel(this);
    m_errors->setObjectName(QStringLiteral("validationErrors"));
    m_errors->setWordWrap(true);
    m_errors->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errors->setStyleSheet(QStringLiteral("color: #d32f2f;"));
    m_errors->hide();

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(buildToolbar());
    layout->addWidget(m_errors);
    layout->addWidget(split, 1);

    connect(m_tiers, &QListWidget::currentRowChanged, this, [this](int row) {
        m_tierEditor->setTierIndex(row);
        m_whatIfTimer->start();
    });
    connect(m_draft, &RoutingDraft::changed, this, &RoutingPage::onDraftChanged);
    connect(&m_bridge, &EngineBridge::providersChanged, this, [this] { m_draft->setProviders(m_bridge.providers()); });

    m_whatIfTimer->setSingleShot(true);
    m_whatIfTimer->setInterval(kWhatIfDebounceMs);
    connect(m_whatIfTimer, &QTimer::timeout, this, &RoutingPage::refreshWhatIf);
    m_liveTimer->setInterval(kLiveRefreshMs);
    connect(m_liveTimer, &QTimer::timeout, this, [this] {
        if (isVisible()) refreshLive();  // hidden pages cost nothing
    });
    m_liveTimer->start();

    syncTierList();
    if (m_tiers->count() > 0) m_tiers->setCurrentRow(0);
    onDraftChanged();
    refreshVersions();
    refreshWhatIf();
}

RoutingPage::~RoutingPage() = default;

QWidget* RoutingPage::buildToolbar() {
    m_bar = new DraftBar(*m_draft,
                         {.applyTip = tr("Make the draft the live routing; the next request follows it"),
                          .invalidStatus = tr("Draft: fix the errors to apply"),
                          .cleanStatus = tr("The draft is the live routing")},
                         QStringLiteral("routingStatus"), this);
    m_undo = new QPushButton(tr("Undo last change"), m_bar);
    m_bar->addBesideApply(m_undo);
    connect(m_bar, &DraftBar::applyRequested, this, &RoutingPage::apply);
    connect(m_undo, &QPushButton::clicked, this, &RoutingPage::undo);
    connect(m_bar, &DraftBar::revertRequested, this, &RoutingPage::revert);
    return m_bar;
}

void RoutingPage::setConfigFile(const QString& path) { m_configFile = path; }

int RoutingPage::selectedTier() const { return m_tiers->currentRow(); }

void RoutingPage::selectTier(int index) { m_tiers->setCurrentRow(index); }

void RoutingPage::onDraftChanged() {
    syncTierList();
    m_tierEditor->sync();
    m_rulesEditor->sync();

    QStringList lines;
    const auto& errors = m_draft->errors();
    for (std::size_t i = 0; i < errors.size() && i < std::size_t(kMaxErrorsShown); ++i)
        lines << QStringLiteral("routing.") + qs(errors[i].to_string()).toHtmlEscaped();
    if (errors.size() > std::size_t(kMaxErrorsShown))
        lines << tr("… and %1 more").arg(errors.size() - std::size_t(kMaxErrorsShown));
    m_errors->setText(lines.isEmpty() ? QString() : tr("The draft cannot be applied:") + QStringLiteral("<br>") +
                                                        lines.join(QStringLiteral("<br>")));
    m_errors->setVisible(!lines.isEmpty());

    m_preview->schedule();
    m_whatIfTimer->start();
}

void RoutingPage::addTier() {
    const std::string name = m_newTierName->text().trimmed().toStdString();
    if (name.empty() || m_draft->draft().tier(name)) return;
    // A tier needs a target to be valid: start from the first provider's default model.
    const auto& providers = m_draft->providers();
    sb::TierConfig tier;
    tier.name = name;
    if (!providers.empty()) tier.targets.push_back({providers.front().name, providers.front().default_model, 1.0, true});
    m_draft->edit([&](sb::RoutingConfig& routing) { routing.tiers.push_back(tier); });
    m_newTierName->clear();
    m_tiers->setCurrentRow(m_tiers->count() - 1);
}

void RoutingPage::removeTier() {
    const int row = m_tiers->currentRow();
    if (row < 0 || m_tiers->count() <= 1) return;  // routing needs at least one tier
    m_draft->edit([row](sb::RoutingConfig& routing) { routing.tiers.erase(routing.tiers.begin() + row); });
}

void RoutingPage::syncTierList() {
    const auto& tiers = m_draft->draft().tiers;
    const auto& errors = m_draft->errors();
    QStringList names;
    for (const auto& t : tiers) names << qs(t.name);
    QStringList shown;
    for (int i = 0; i < m_tiers->count(); ++i) shown << m_tiers->item(i)->data(Qt::UserRole).toString();
    if (shown != names) {
        const int current = m_tiers->currentRow();
        const QString currentName = current >= 0 && current < shown.size() ? shown[current] : QString();
        const QSignalBlocker block(m_tiers);
        m_tiers->clear();
        for (const QString& name : names) {
            auto* item = new QListWidgetItem(name, m_tiers);
            item->setData(Qt::UserRole, name);
        }
        const int keep = names.indexOf(currentName);
        m_tiers->setCurrentRow(keep >= 0 ? keep : (names.isEmpty() ? -1 : 0));
        m_tierEditor->setTierIndex(m_tiers->currentRow());
    }
    // A tier whose section has errors is marked in the list, so they can be found.
    for (int i = 0; i < m_tiers->count(); ++i) {
        const std::string prefix = "tiers[" + std::to_string(i) + "]";
        QStringList own;
        for (const auto& e : errors)
            if (e.path.rfind(prefix, 0) == 0) own << qs(e.to_string());
        QListWidgetItem* item = m_tiers->item(i);
        const QString label = own.isEmpty() ? names[i] : names[i] + QStringLiteral("  ⚠");
        if (item->text() != label) item->setText(label);
        item->setToolTip(own.join(QLatin1Char('\n')));
    }
}

void RoutingPage::updateUndo() {
    m_undo->setEnabled(m_undoTarget.has_value());
    m_undo->setToolTip(m_undoTarget ? tr("Re-apply the routing from before version %1 (recorded as a new version)")
                                          .arg(m_undoTarget->undoesVersion)
                                    : tr("Nothing applied to undo"));
}

bool RoutingPage::apply() {
    if (!m_draft->canApply()) return false;
    m_bridge.api().apply_routing(m_draft->draft(), {baseVersion(), {}}, EngineBridge::onThreadOf<sb::ConfigVersion>(this, [this](auto version) {
        if (!version) return m_bar->setMessage(tr("Not applied: %1").arg(qs(version.error().message)));
        afterApply(version->id, tr("Applied: %1").arg(qs(version->summary)));
    }));
    return true;
}

bool RoutingPage::undo() {
    refreshVersions();  // the latest version may be newer than the button's last refresh
    if (!m_undoTarget) return false;
    m_bridge.api().apply_routing(m_undoTarget->routing, {baseVersion(), {}}, EngineBridge::onThreadOf<sb::ConfigVersion>(this, [this](auto version) {
        if (!version) return m_bar->setMessage(tr("Not undone: %1").arg(qs(version.error().message)));
        afterApply(version->id, tr("Applied (undo): %1").arg(qs(version->summary)));
    }));
    return true;
}

void RoutingPage::afterApply(std::int64_t versionId, const QString& done) {
    m_draft->revert();                                    // the draft was applied (or replaced by Undo)…
    m_routingVersion = m_bridge.api().versions().routing;  // before the routing: a change in between shows next
    m_draft->setApplied(m_bridge.api().routing());     // …and follows the live routing again
    refreshVersions();
    m_bar->showApplied(done, m_configFile, [routing = m_draft->applied()](const std::string& file) {
        return sb::save_routing_section(file, routing);
    });
    m_preview->refresh();
    refreshWhatIf();
    emit routingApplied(versionId);
}

void RoutingPage::revert() { m_draft->revert(); }

std::optional<std::uint64_t> RoutingPage::baseVersion() const {
    if (m_routingVersion == kNotFollowed) return std::nullopt;
    return m_routingVersion;
}

void RoutingPage::refreshVersions() {
    const auto versions = m_bridge.api().config_versions();
    m_versions->setVersions(versions);
    m_undoTarget = undoTarget(versions, m_startVersionId, m_startRouting);
    updateUndo();
}

void RoutingPage::refreshLive() {
    sb::ConsoleApi& api = m_bridge.api();
    // Applied elsewhere (another console, the gateway): a clean draft follows.
    if (const auto version = api.versions().routing; version != m_routingVersion) {
        m_routingVersion = version;
        if (auto live = api.routing(); live != m_draft->applied()) m_draft->setApplied(std::move(live));
        refreshVersions();
    }
    m_tierEditor->setLive(api.target_states(), api.metrics_by_target(60s));
    if (++m_ticks % kWhatIfEveryTicks == 0) refreshWhatIf();
}

void RoutingPage::refreshWhatIf() {
    const int index = selectedTier();
    const auto& tiers = m_draft->draft().tiers;
    if (index < 0 || index >= int(tiers.size())) return;
    const sb::TierConfig& draftTier = tiers[std::size_t(index)];
    const auto history = m_bridge.api().metrics_by_target(1h);  // predict_tier pools a target's tiers
    const auto& providers = m_draft->providers();
    const auto defaultModel = [&providers](std::string_view provider) {
        return routing_figures::defaultModel(provider, providers);
    };
    sb::TierPrediction now;
    if (const sb::TierConfig* applied = m_draft->applied().tier(draftTier.name))
        now = sb::predict_tier(*applied, history, defaultModel);
    const auto after = sb::predict_tier(draftTier, history, defaultModel);
    m_whatIf->setPredictions(qs(draftTier.name), now, after);
}

void RoutingPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refreshLive();  // the timer skipped work while hidden
    refreshWhatIf();
}

QString RoutingPage::errorText() const { return m_errors->text(); }

QString RoutingPage::statusText() const { return m_bar->statusText(); }

QPushButton* RoutingPage::applyButton() const { return m_bar->applyButton(); }

QPushButton* RoutingPage::revertButton() const { return m_bar->revertButton(); }
