#pragma once
// The cache rules of the draft, in order (first match wins): one row per rule — name,
// action (never / pin / TTL), what it matches (keywords, a regex, personal data), the
// keywords or the pattern, the TTL and whether it is enabled — with add, remove and
// reorder. Invalid rows are marked and their problems listed under the table
// ("rules[1].pattern: is not a valid regular expression…"). Rows are positional and synced
// in place from the draft, like the Routing page's rules editor.
#include <QWidget>

#include <functional>
#include <vector>

#include "config/cache_config.h"

class CacheRulesDraft;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;
class RowFocus;

class CacheRulesEditor final : public QWidget {
    Q_OBJECT
public:
    enum Column { NameColumn, ActionColumn, MatchColumn, ConditionColumn, TtlColumn, EnabledColumn, ColumnCount };

    explicit CacheRulesEditor(CacheRulesDraft& draft, QWidget* parent = nullptr);
    void sync();

    void addRule();
    void removeRule(int row);
    void moveRule(int row, int delta);
    void selectRow(int row);

    int rowCount() const;
    int currentRow() const;
    QLineEdit* nameEdit(int row) const;
    QComboBox* actionBox(int row) const;
    QComboBox* matchBox(int row) const;
    QLineEdit* conditionEdit(int row) const;
    QSpinBox* ttlBox(int row) const;
    QCheckBox* enabledBox(int row) const;
    QPushButton* addButton() const { return m_add; }
    QPushButton* removeButton() const { return m_remove; }
    QPushButton* upButton() const { return m_up; }
    QPushButton* downButton() const { return m_down; }
    QTableWidget* table() const { return m_table; }
    QString hintText() const;
    bool rowMarkedInvalid(int row) const;

    // The condition text of a rule (keywords comma-separated, or the pattern) and back.
    static QString conditionText(const sb::CacheRule& rule);
    static void setCondition(sb::CacheRule& rule, const QString& text);

signals:
    void currentRowChanged(int row);

private:
    struct Row {
        QLineEdit* name = nullptr;
        QComboBox* action = nullptr;
        QComboBox* match = nullptr;
        QLineEdit* condition = nullptr;
        QSpinBox* ttl = nullptr;
        QCheckBox* enabled = nullptr;
        bool invalid = false;
    };

    void editRule(int row, const std::function<void(sb::CacheRule&)>& change);
    void appendRow();
    void syncRow(int row, const sb::CacheRule& rule);
    void markRow(int row);
    void updateButtons();

    CacheRulesDraft& m_draft;
    std::vector<Row> m_rows;
    QTableWidget* m_table;
    RowFocus* m_focus;
    QLabel* m_hint;
    QPushButton* m_add;
    QPushButton* m_remove;
    QPushButton* m_up;
    QPushButton* m_down;
};
