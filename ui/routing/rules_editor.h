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
class QPushButton;
class QTableWidget;
class RoutingDraft;
class RowFocus;

class RulesEditor final : public QWidget {
    Q_OBJECT
public:
    enum Column { NameColumn, KindColumn, ConditionColumn, TierColumn, EnabledColumn, ColumnCount };

    explicit RulesEditor(RoutingDraft& draft, QWidget* parent = nullptr);
    void sync();

    void addRule();
    void removeRule(int row);
    void moveRule(int row, int delta);

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
    struct Row {
        QLineEdit* name = nullptr;
        QComboBox* kind = nullptr;
        QLineEdit* condition = nullptr;
        QIntValidator* numbers = nullptr;  // the condition's validator for thresholds
        QComboBox* tier = nullptr;
        QCheckBox* enabled = nullptr;
        std::optional<sb::RuleKind> kindShown;  // the kind the condition field is set up for
    };

    void editRule(int row, const std::function<void(sb::ClassifierRule&)>& change);
    void appendRow();
    void syncRow(int row, const sb::ClassifierRule& rule, const QStringList& tiers);
    void updateButtons();

    RoutingDraft& m_draft;
    std::vector<Row> m_rows;
    QTableWidget* m_table = nullptr;
    RowFocus* m_focus = nullptr;
    QComboBox* m_defaultTier = nullptr;
    QPushButton* m_add = nullptr;
    QPushButton* m_remove = nullptr;
    QPushButton* m_up = nullptr;
    QPushButton* m_down = nullptr;
};
