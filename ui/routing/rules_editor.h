#pragma once
// The classifier rules of the draft routing (first match wins) and its default tier: one
// row per rule — name, kind, condition, tier, enabled — with add, remove and reorder. The
// condition is one text field read according to the kind: comma-separated values (keywords,
// model aliases), a regular expression, a header name or a number. Rows are positional and
// synced in place, like the tier editor's.
#include <QWidget>

#include <functional>
#include <optional>
#include <vector>

#include "config/routing_config.h"

class QCheckBox;
class QComboBox;
class QIntValidator;
class QLineEdit;
class RoutingDraft;
class RowEditorTable;

class RulesEditor final : public QWidget {
    Q_OBJECT
public:
    enum Column { NameColumn, KindColumn, ConditionColumn, TierColumn, EnabledColumn, ColumnCount };

    explicit RulesEditor(RoutingDraft& draft, QWidget* parent = nullptr);
    void sync();

    int rowCount() const;
    int currentRow() const;
    QLineEdit* nameEdit(int row) const;
    QComboBox* kindBox(int row) const;
    QLineEdit* conditionEdit(int row) const;
    QComboBox* tierBox(int row) const;
    QCheckBox* enabledBox(int row) const;
    QComboBox* defaultTierBox() const { return m_defaultTier; }

    // The condition text of a rule and back (for its kind).
    static QString conditionText(const sb::ClassifierRule& rule);
    static void setCondition(sb::ClassifierRule& rule, const QString& text);

private:
    void appendRule();
    void editRule(int row, const std::function<void(sb::ClassifierRule&)>& change);
    void buildRow(int row);
    void syncRow(int row, const sb::ClassifierRule& rule, const QStringList& tiers);

    RoutingDraft& m_draft;
    RowEditorTable* m_rows;
    QComboBox* m_defaultTier;
    QIntValidator* m_numbers;  // the condition's validator for thresholds
    std::vector<std::optional<sb::RuleKind>> m_kindShown;  // per row: the kind its condition field is set up for
};
