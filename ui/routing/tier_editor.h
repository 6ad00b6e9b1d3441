#pragma once
// One tier of the draft routing: its balancing mode, cache-first switch and a table with a
// row per target — provider, model, weight (slider + spin box), share of the tier under the
// draft weights, enabled switch, and the live circuit state and share served over the last
// minute. Rows are positional and updated in place: sync() never rebuilds a widget the
// operator may be editing, it only adds or drops rows at the end when the count changes.
#include <QWidget>

#include <functional>
#include <vector>

#include "config/routing_config.h"
#include "metrics/metrics_registry.h"
#include "routing/router.h"

class QCheckBox;
class QComboBox;
class QLabel;
class RoutingDraft;
class RowEditorTable;
class WeightEditor;

class TierEditor final : public QWidget {
    Q_OBJECT
public:
    enum Column { ProviderColumn, ModelColumn, WeightColumn, ShareColumn, EnabledColumn, CircuitColumn, ServedColumn,
                  ColumnCount };

    explicit TierEditor(RoutingDraft& draft, QWidget* parent = nullptr);

    void setTierIndex(int index);  // which tier of the draft this edits
    int tierIndex() const { return m_tier; }
    void sync();  // from the draft, in place
    // Live figures: the router's target states and per-target totals over the last minute.
    void setLive(std::vector<sb::TargetState> states, std::vector<sb::TargetMetrics> lastMinute);

    void addTarget();
    void removeTarget(int row);
    void moveTarget(int row, int delta);

    int rowCount() const;
    int currentRow() const;
    WeightEditor* weightEditor(int row) const;
    QCheckBox* enabledBox(int row) const;
    QComboBox* providerBox(int row) const;
    QComboBox* modelBox(int row) const;
    QString text(int row, Column column) const;
    QColor textColour(int row, Column column) const;
    QComboBox* balancingBox() const { return m_balancing; }
    QCheckBox* cacheFirstBox() const { return m_cacheFirst; }

private:
    const sb::TierConfig* tier() const;
    void appendTarget();
    void editTier(const std::function<void(sb::TierConfig&)>& change);
    void editTarget(int row, const std::function<void(sb::RouteTarget&)>& change);
    void buildRow(int row);
    void syncRow(int row, const sb::RouteTarget& target, double share);
    void fillModels(int row, const QString& provider);
    void updateLive();

    RoutingDraft& m_draft;
    int m_tier = -1;
    std::vector<QString> m_modelsOf;  // per row: the provider whose models fill its model box
    std::vector<sb::TargetState> m_states;
    std::vector<sb::TargetMetrics> m_lastMinute;

    QLabel* m_title;
    QComboBox* m_balancing;
    QCheckBox* m_cacheFirst;
    RowEditorTable* m_rows;
};
