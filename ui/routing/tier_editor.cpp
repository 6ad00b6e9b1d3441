#include "routing/tier_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

#include "common/metric_format.h"
#include "common/row_editor_table.h"
#include "common/qt_text.h"
#include "routing/routing_draft.h"
#include "routing/routing_figures.h"
#include "routing/weight_editor.h"

namespace {

void setCurrentData(QComboBox* box, const QString& data, const QString& missingLabel) {
    int index = box->findData(data);
    if (index < 0) {
        box->addItem(missingLabel, data);
        index = box->count() - 1;
    }
    if (box->currentIndex() != index) box->setCurrentIndex(index);
}

}  // namespace

TierEditor::TierEditor(RoutingDraft& draft, QWidget* parent)
    : QWidget(parent),
      m_draft(draft),
      m_title(new QLabel(this)),
      m_balancing(new QComboBox(this)),
      m_cacheFirst(new QCheckBox(tr("Cache first"), this)),
      m_rows(new RowEditorTable({.objectName = QStringLiteral("tierTargets"),
                                 .headers = {tr("Provider"), tr("Model"), tr("Weight"), tr("% of tier"), tr("Enabled"),
                                             tr("Circuit"), tr("Served (1 min)")},
                                 .stretchColumn = WeightColumn,
                                 .rowNumbers = false},
                                this)) {
    QFont title = m_title->font();
    title.setBold(true);
    m_title->setFont(title);
    m_title->setWordWrap(true);  // tier descriptions are sentences: they must not widen the page
    m_balancing->addItem(tr("Weighted"), int(sb::Balancing::Weighted));
    m_balancing->addItem(tr("Latency-aware"), int(sb::Balancing::LatencyAware));
    m_balancing->setToolTip(tr("Latency-aware scales the weights of targets slower than the tier's best down"));
    m_cacheFirst->setToolTip(tr("Look the answer up in the response cache before any target"));
    connect(m_balancing, &QComboBox::activated, this, [this](int index) {
        const auto mode = static_cast<sb::Balancing>(m_balancing->itemData(index).toInt());
        editTier([mode](sb::TierConfig& t) { t.balancing = mode; });
    });
    connect(m_cacheFirst, &QCheckBox::toggled, this,
            [this](bool on) { editTier([on](sb::TierConfig& t) { t.cache_first = on; }); });

    QTableWidget* table = m_rows->table();
    table->horizontalHeaderItem(ShareColumn)->setToolTip(tr("Share of the tier under the draft weights"));
    table->horizontalHeaderItem(ServedColumn)->setToolTip(tr("Share of the tier's requests this target served in the last minute"));
    m_rows->setRowBuilder([this](int row) { buildRow(row); });
    m_rows->setRowEdits({.addText = tr("Add target"),
                         .add = [this] { appendTarget(); },
                         .remove = [this](int row) {
                             editTier([row](sb::TierConfig& t) { t.targets.erase(t.targets.begin() + row); });
                         },
                         .swap = [this](int row, int to) {
                             editTier([row, to](sb::TierConfig& t) {
                                 std::swap(t.targets[std::size_t(row)], t.targets[std::size_t(to)]);
                             });
                         }});

    auto* header = new QHBoxLayout;
    header->addWidget(m_title, 1);
    header->addWidget(new QLabel(tr("Balancing"), this));
    header->addWidget(m_balancing);
    header->addWidget(m_cacheFirst);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(header);
    layout->addWidget(m_rows, 1);
    sync();
}

const sb::TierConfig* TierEditor::tier() const {
    const auto& tiers = m_draft.draft().tiers;
    return m_tier >= 0 && m_tier < int(tiers.size()) ? &tiers[std::size_t(m_tier)] : nullptr;
}

void TierEditor::setTierIndex(int index) {
    if (index == m_tier) return;
    m_tier = index;
    m_rows->clearCurrentRow();
    sync();
}

void TierEditor::editTier(const std::function<void(sb::TierConfig&)>& change) {
    const int index = m_tier;
    m_draft.edit([&](sb::RoutingConfig& r) {
        if (index >= 0 && index < int(r.tiers.size())) change(r.tiers[std::size_t(index)]);
    });
}

void TierEditor::editTarget(int row, const std::function<void(sb::RouteTarget&)>& change) {
    editTier([&](sb::TierConfig& t) {
        if (row >= 0 && row < int(t.targets.size())) change(t.targets[std::size_t(row)]);
    });
}

void TierEditor::addTarget() { m_rows->addRow(); }
void TierEditor::removeTarget(int row) { m_rows->removeRow(row); }
void TierEditor::moveTarget(int row, int delta) { m_rows->moveRow(row, delta); }

void TierEditor::appendTarget() {
    const auto& providers = m_draft.providers();
    if (!tier() || providers.empty()) return;
    // The first provider not in the tier yet; weight 0, so adding it changes no traffic by itself.
    std::string provider = providers.front().name;
    for (const auto& p : providers) {
        const auto& targets = tier()->targets;
        if (std::none_of(targets.begin(), targets.end(), [&](const sb::RouteTarget& t) { return t.provider == p.name; })) {
            provider = p.name;
            break;
        }
    }
    editTier([&](sb::TierConfig& t) { t.targets.push_back(sb::RouteTarget{provider, {}, 0.0, true}); });
}

void TierEditor::buildRow(int row) {
    auto* provider = new QComboBox;
    for (const auto& p : m_draft.providers())
        provider->addItem(p.enabled ? qs(p.name) : tr("%1 (disabled)").arg(qs(p.name)), qs(p.name));
    auto* model = new QComboBox;
    auto* weight = new WeightEditor;
    auto* enabled = new QCheckBox;
    enabled->setToolTip(tr("A disabled target is never picked"));
    connect(provider, &QComboBox::activated, this, [this, row, provider](int index) {
        const std::string chosen = provider->itemData(index).toString().toStdString();
        editTarget(row, [&](sb::RouteTarget& t) {
            if (t.provider == chosen) return;
            t.provider = chosen;
            t.model.clear();  // the new provider's default
        });
    });
    connect(model, &QComboBox::activated, this, [this, row, model](int index) {
        const std::string chosen = model->itemData(index).toString().toStdString();
        editTarget(row, [&](sb::RouteTarget& t) { t.model = chosen; });
    });
    connect(weight, &WeightEditor::valueChanged, this,
            [this, row](int value) { editTarget(row, [value](sb::RouteTarget& t) { t.weight = value; }); });
    connect(enabled, &QCheckBox::toggled, this,
            [this, row](bool on) { editTarget(row, [on](sb::RouteTarget& t) { t.enabled = on; }); });
    m_rows->setCell(row, ProviderColumn, provider);
    m_rows->setCell(row, ModelColumn, model);
    m_rows->setCell(row, WeightColumn, weight);
    m_rows->setCell(row, EnabledColumn, enabled);
}

void TierEditor::fillModels(int row, const QString& provider) {
    QComboBox* model = modelBox(row);
    model->clear();
    m_modelsOf[std::size_t(row)] = provider;
    const std::string name = provider.toStdString();
    model->addItem(tr("default (%1)").arg(qs(routing_figures::defaultModel(name, m_draft.providers()))), QString());
    for (const auto& p : m_draft.providers())
        if (p.name == name)
            for (const auto& m : p.models) model->addItem(qs(m), qs(m));
}

void TierEditor::syncRow(int row, const sb::RouteTarget& target, double share) {
    QComboBox* provider = providerBox(row);
    QComboBox* model = modelBox(row);
    QCheckBox* enabled = enabledBox(row);
    const QString providerName = qs(target.provider);
    setCurrentData(provider, providerName, tr("%1 (not configured)").arg(providerName));
    if (m_modelsOf[std::size_t(row)] != providerName) fillModels(row, providerName);
    setCurrentData(model, qs(target.model), qs(target.model));
    weightEditor(row)->setValue(target.weight);
    if (enabled->isChecked() != target.enabled) enabled->setChecked(target.enabled);
    m_rows->setText(row, ShareColumn, target.enabled ? metric_format::percent(share) : tr("off"));
}

void TierEditor::sync() {
    const sb::TierConfig* t = tier();
    const int wanted = t ? int(t->targets.size()) : 0;
    m_modelsOf.resize(std::size_t(wanted));  // a new row's model box is filled by its first sync
    m_rows->addButton()->setEnabled(t != nullptr);
    setEnabled(t != nullptr);
    if (!t) {
        m_rows->setRowCount(0);
        m_title->setText(tr("No tier selected"));
        return;
    }
    const QString title = t->description.empty() ? tr("Tier %1").arg(qs(t->name))
                                                 : tr("Tier %1 — %2").arg(qs(t->name), qs(t->description));
    if (m_title->text() != title) m_title->setText(title);
    {
        const QSignalBlocker block(m_balancing);
        m_balancing->setCurrentIndex(m_balancing->findData(int(t->balancing)));
    }
    if (m_cacheFirst->isChecked() != t->cache_first) {
        const QSignalBlocker block(m_cacheFirst);
        m_cacheFirst->setChecked(t->cache_first);
    }
    const auto shares = routing_figures::configuredShares(*t);
    m_rows->syncRows(wanted, [&](int row) { syncRow(row, t->targets[std::size_t(row)], shares[std::size_t(row)]); });
    updateLive();
}

void TierEditor::setLive(std::vector<sb::TargetState> states, std::vector<sb::TargetMetrics> lastMinute) {
    m_states = std::move(states);
    m_lastMinute = std::move(lastMinute);
    updateLive();
}

void TierEditor::updateLive() {
    const sb::TierConfig* t = tier();
    if (!t) return;
    const auto& providers = m_draft.providers();
    for (int i = 0; i < rowCount(); ++i) {
        const auto& target = t->targets[std::size_t(i)];
        const sb::TargetState* state = routing_figures::stateOf(m_states, t->name, target, providers);
        if (!state) {
            m_rows->setText(i, CircuitColumn, QStringLiteral("—"), {}, tr("Not live: this target is only in the draft"));
        } else {
            const QString tip = tr("Latency (EWMA): %1\nEffective share: %2\nPicks since start: %3")
                                    .arg(state->latency_ewma_ms > 0 ? metric_format::milliseconds(state->latency_ewma_ms)
                                                                    : tr("not measured"),
                                         metric_format::percent(state->effective_share))
                                    .arg(state->picks);
            if (!state->provider_usable)
                m_rows->setText(i, CircuitColumn, tr("provider off"),
                                routing_figures::circuitColour(sb::CircuitState::Open), tip);
            else
                m_rows->setText(i, CircuitColumn, QStringLiteral("● ") + routing_figures::circuitText(state->circuit),
                                routing_figures::circuitColour(state->circuit), tip);
        }
        const auto served = routing_figures::servedShare(*t, target, m_lastMinute, providers);
        m_rows->setText(i, ServedColumn, served ? metric_format::percent(*served) : QStringLiteral("—"));
    }
}

int TierEditor::rowCount() const { return m_rows->rowCount(); }
int TierEditor::currentRow() const { return m_rows->currentRow(); }
WeightEditor* TierEditor::weightEditor(int row) const { return m_rows->cell<WeightEditor>(row, WeightColumn); }
QCheckBox* TierEditor::enabledBox(int row) const { return m_rows->cell<QCheckBox>(row, EnabledColumn); }
QComboBox* TierEditor::providerBox(int row) const { return m_rows->cell<QComboBox>(row, ProviderColumn); }
QComboBox* TierEditor::modelBox(int row) const { return m_rows->cell<QComboBox>(row, ModelColumn); }
QString TierEditor::text(int row, Column column) const { return m_rows->text(row, column); }
QColor TierEditor::textColour(int row, Column column) const { return m_rows->textColour(row, column); }
