#include "routing/tier_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <utility>

#include "common/centred_cell.h"
#include "dashboard/metric_format.h"
#include "routing/routing_draft.h"
#include "routing/routing_figures.h"
#include "common/row_focus.h"
#include "routing/weight_editor.h"
#include "qt_text.h"

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
      m_table(new QTableWidget(0, ColumnCount, this)),
      m_focus(new RowFocus(m_table)),
      m_add(new QPushButton(tr("Add target"), this)),
      m_remove(new QPushButton(tr("Remove"), this)),
      m_up(new QPushButton(tr("Move up"), this)),
      m_down(new QPushButton(tr("Move down"), this)) {
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

    m_table->setHorizontalHeaderLabels({tr("Provider"), tr("Model"), tr("Weight"), tr("% of tier"), tr("Enabled"),
                                        tr("Circuit"), tr("Served (1 min)")});
    m_table->horizontalHeaderItem(ShareColumn)->setToolTip(tr("Share of the tier under the draft weights"));
    m_table->horizontalHeaderItem(ServedColumn)->setToolTip(tr("Share of the tier's requests this target served in the last minute"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(WeightColumn, QHeaderView::Stretch);
    connect(m_table, &QTableWidget::currentCellChanged, this, [this] { updateButtons(); });

    connect(m_add, &QPushButton::clicked, this, &TierEditor::addTarget);
    connect(m_remove, &QPushButton::clicked, this, [this] { removeTarget(currentRow()); });
    connect(m_up, &QPushButton::clicked, this, [this] { moveTarget(currentRow(), -1); });
    connect(m_down, &QPushButton::clicked, this, [this] { moveTarget(currentRow(), +1); });

    auto* header = new QHBoxLayout;
    header->addWidget(m_title, 1);
    header->addWidget(new QLabel(tr("Balancing"), this));
    header->addWidget(m_balancing);
    header->addWidget(m_cacheFirst);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_add);
    buttons->addWidget(m_remove);
    buttons->addWidget(m_up);
    buttons->addWidget(m_down);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(header);
    layout->addWidget(m_table, 1);
    layout->addLayout(buttons);
    sync();
}

const sb::TierConfig* TierEditor::tier() const {
    const auto& tiers = m_draft.draft().tiers;
    return m_tier >= 0 && m_tier < int(tiers.size()) ? &tiers[std::size_t(m_tier)] : nullptr;
}

void TierEditor::setTierIndex(int index) {
    if (index == m_tier) return;
    m_tier = index;
    m_table->setCurrentCell(-1, -1);
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

void TierEditor::addTarget() {
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
    m_table->selectRow(rowCount() - 1);
}

void TierEditor::removeTarget(int row) {
    if (row < 0 || row >= rowCount()) return;
    editTier([row](sb::TierConfig& t) { t.targets.erase(t.targets.begin() + row); });
    if (rowCount() > 0) m_table->selectRow(std::min(row, rowCount() - 1));
}

void TierEditor::moveTarget(int row, int delta) {
    const int to = row + delta;
    if (row < 0 || row >= rowCount() || to < 0 || to >= rowCount()) return;
    editTier([row, to](sb::TierConfig& t) { std::swap(t.targets[std::size_t(row)], t.targets[std::size_t(to)]); });
    m_table->selectRow(to);
}

void TierEditor::appendRow() {
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    Row r;
    r.provider = new QComboBox(m_table);
    for (const auto& p : m_draft.providers())
        r.provider->addItem(p.enabled ? qs(p.name) : tr("%1 (disabled)").arg(qs(p.name)), qs(p.name));
    r.model = new QComboBox(m_table);
    r.weight = new WeightEditor(m_table);
    r.enabled = new QCheckBox(m_table);
    r.enabled->setToolTip(tr("A disabled target is never picked"));
    connect(r.provider, &QComboBox::activated, this, [this, row](int index) {
        const std::string provider = m_rows[std::size_t(row)].provider->itemData(index).toString().toStdString();
        editTarget(row, [&](sb::RouteTarget& t) {
            if (t.provider == provider) return;
            t.provider = provider;
            t.model.clear();  // the new provider's default
        });
    });
    connect(r.model, &QComboBox::activated, this, [this, row](int index) {
        const std::string model = m_rows[std::size_t(row)].model->itemData(index).toString().toStdString();
        editTarget(row, [&](sb::RouteTarget& t) { t.model = model; });
    });
    connect(r.weight, &WeightEditor::valueChanged, this,
            [this, row](int weight) { editTarget(row, [weight](sb::RouteTarget& t) { t.weight = weight; }); });
    connect(r.enabled, &QCheckBox::toggled, this,
            [this, row](bool on) { editTarget(row, [on](sb::RouteTarget& t) { t.enabled = on; }); });
    m_table->setCellWidget(row, ProviderColumn, r.provider);
    m_table->setCellWidget(row, ModelColumn, r.model);
    m_table->setCellWidget(row, WeightColumn, r.weight);
    m_table->setCellWidget(row, EnabledColumn, centredCell(r.enabled, m_table));
    for (const Column c : {ShareColumn, CircuitColumn, ServedColumn}) m_table->setItem(row, c, new QTableWidgetItem);
    for (QWidget* w : {static_cast<QWidget*>(r.provider), static_cast<QWidget*>(r.model), static_cast<QWidget*>(r.weight),
                       static_cast<QWidget*>(r.enabled)})
        m_focus->track(w, row);
    m_rows.push_back(r);
}

void TierEditor::fillModels(Row& row, const QString& provider) {
    const QSignalBlocker block(row.model);
    row.model->clear();
    row.modelsOf = provider;
    const std::string name = provider.toStdString();
    row.model->addItem(tr("default (%1)").arg(qs(routing_figures::defaultModel(name, m_draft.providers()))), QString());
    for (const auto& p : m_draft.providers())
        if (p.name == name)
            for (const auto& model : p.models) row.model->addItem(qs(model), qs(model));
}

void TierEditor::syncRow(int index, const sb::RouteTarget& target, double share) {
    Row& row = m_rows[std::size_t(index)];
    const QString provider = qs(target.provider);
    {
        const QSignalBlocker block(row.provider);
        setCurrentData(row.provider, provider, tr("%1 (not configured)").arg(provider));
    }
    if (row.modelsOf != provider) fillModels(row, provider);
    {
        const QSignalBlocker block(row.model);
        setCurrentData(row.model, qs(target.model), qs(target.model));
    }
    row.weight->setValue(target.weight);
    if (row.enabled->isChecked() != target.enabled) {
        const QSignalBlocker block(row.enabled);
        row.enabled->setChecked(target.enabled);
    }
    setCell(index, ShareColumn, target.enabled ? metric_format::percent(share) : tr("off"));
}

void TierEditor::sync() {
    const sb::TierConfig* t = tier();
    const int wanted = t ? int(t->targets.size()) : 0;
    while (rowCount() > wanted) {
        m_table->removeRow(rowCount() - 1);
        m_rows.pop_back();
    }
    while (rowCount() < wanted) appendRow();
    setEnabled(t != nullptr);
    if (!t) {
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
    for (int i = 0; i < wanted; ++i) syncRow(i, t->targets[std::size_t(i)], shares[std::size_t(i)]);
    updateLive();
    updateButtons();
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
            setCell(i, CircuitColumn, QStringLiteral("—"), {}, tr("Not live: this target is only in the draft"));
        } else {
            const QString tip = tr("Latency (EWMA): %1\nEffective share: %2\nPicks since start: %3")
                                    .arg(state->latency_ewma_ms > 0 ? metric_format::milliseconds(state->latency_ewma_ms)
                                                                    : tr("not measured"),
                                         metric_format::percent(state->effective_share))
                                    .arg(state->picks);
            if (!state->provider_usable)
                setCell(i, CircuitColumn, tr("provider off"), routing_figures::circuitColour(sb::CircuitState::Open), tip);
            else
                setCell(i, CircuitColumn, QStringLiteral("● ") + routing_figures::circuitText(state->circuit),
                        routing_figures::circuitColour(state->circuit), tip);
        }
        const auto served = routing_figures::servedShare(*t, target, m_lastMinute, providers);
        setCell(i, ServedColumn, served ? metric_format::percent(*served) : QStringLiteral("—"));
    }
}

void TierEditor::setCell(int row, Column column, const QString& text, const QColor& colour, const QString& tip) {
    QTableWidgetItem* item = m_table->item(row, column);
    if (!item) return;
    if (item->text() != text) item->setText(text);
    const QBrush brush = colour.isValid() ? QBrush(colour) : QBrush();
    if (item->foreground() != brush) item->setForeground(brush);
    if (item->toolTip() != tip) item->setToolTip(tip);
}

void TierEditor::updateButtons() {
    m_add->setEnabled(tier() != nullptr);
    updateRowButtons(currentRow(), rowCount(), m_remove, m_up, m_down);
}

int TierEditor::rowCount() const { return int(m_rows.size()); }
int TierEditor::currentRow() const {
    const int row = m_table->currentRow();
    return row < rowCount() ? row : -1;
}
WeightEditor* TierEditor::weightEditor(int row) const { return m_rows.at(std::size_t(row)).weight; }
QCheckBox* TierEditor::enabledBox(int row) const { return m_rows.at(std::size_t(row)).enabled; }
QComboBox* TierEditor::providerBox(int row) const { return m_rows.at(std::size_t(row)).provider; }
QComboBox* TierEditor::modelBox(int row) const { return m_rows.at(std::size_t(row)).model; }

QString TierEditor::text(int row, Column column) const {
    if (const QTableWidgetItem* item = m_table->item(row, column)) return item->text();
    return {};
}

QColor TierEditor::textColour(int row, Column column) const {
    if (const QTableWidgetItem* item = m_table->item(row, column)) return item->foreground().color();
    return {};
}
