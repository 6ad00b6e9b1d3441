#pragma once
// The cache rules of the draft, in order (first match wins): one row per rule — name,
// action (never / pin / TTL), what it matches (keywords, a regex, personal data), the
// keywords or the pattern, the TTL, whether its conversations may be answered by the
// semantic cache and whether it is enabled — with add, remove and
// reorder. Invalid rows are marked and their problems listed under the table
// ("rules[1].pattern: is not a valid regular expression…"). Rows are positional and synced
// in place from the draft, like the Routing page's rules editor.
#include <QWidget>

#include <functional>

#include "config/cache_config.h"

class CacheRulesDraft;
class QCheckBox;
class QComboBox;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;
class RowEditorTable;

class CacheRulesEditor final : public QWidget {
    Q_OBJECT
public:
    enum Column { NameColumn, ActionColumn, MatchColumn, ConditionColumn, TtlColumn, SemanticColumn, EnabledColumn, ColumnCount };

    explicit CacheRulesEditor(CacheRulesDraft& draft, QWidget* parent = nullptr);
    void sync();

    void addRule();  // a new rule at the end, selected
    void selectRow(int row);

    int rowCount() const;
    int currentRow() const;
    QLineEdit* nameEdit(int row) const;
    QComboBox* actionBox(int row) const;
    QComboBox* matchBox(int row) const;
    QLineEdit* conditionEdit(int row) const;
    QSpinBox* ttlBox(int row) const;
    QCheckBox* semanticBox(int row) const;
    QCheckBox* enabledBox(int row) const;
    QPushButton* addButton() const;
    QPushButton* removeButton() const;
    QPushButton* upButton() const;
    QPushButton* downButton() const;
    QTableWidget* table() const;
    QString hintText() const;
    bool rowMarkedInvalid(int row) const;

    // The condition text of a rule (keywords comma-separated, or the pattern) and back.
    static QString conditionText(const sb::CacheRule& rule);
    static void setCondition(sb::CacheRule& rule, const QString& text);

signals:
    void currentRowChanged(int row);

private:
    void appendRule();
    void editRule(int row, const std::function<void(sb::CacheRule&)>& change);
    void buildRow(int row);
    void syncRow(int row, const sb::CacheRule& rule);

    CacheRulesDraft& m_draft;
    RowEditorTable* m_rows;
};
