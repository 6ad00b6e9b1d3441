#pragma once
// The table every row editor is built on (routing rules and targets, cache rules, alert rules,
// prices): one row of a draft's list per table row, edited through cell widgets. It keeps the
// table's rows in step with the draft's — new rows built by the editor, surplus rows dropped
// from the end, kept rows never rebuilt under the operator's hands — knows the current row,
// runs Add / Remove / Move up / Move down on it, and shows the draft's problems: the cells a
// problem's path names ("[2].threshold") outlined with the problem as their tooltip, the row's
// number marked "⚠", and every problem listed in red under the table. The editor owning it
// names the columns, builds and fills its rows and reads them back into the draft.
#include <QColor>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <string>
#include <vector>

#include "config/config.h"

class QHBoxLayout;
class QLabel;
class QPushButton;
class QTableWidget;
class QVBoxLayout;
class RowFocus;

class RowEditorTable final : public QWidget {
    Q_OBJECT
public:
    struct Setup {
        QString objectName;  // the table's
        QStringList headers;
        int stretchColumn = 0;
        int nameColumn = -1;         // >= 0: starts wide enough for a short phrase, resizable
        bool selectableRows = true;  // false: cells are edited in place, rows are never selected
        bool rowNumbers = true;      // the vertical header, where invalid rows are marked
    };
    // What the row buttons do to the draft; the table then selects the row they leave.
    struct RowEdits {
        QString addText;            // "Add rule"
        std::function<void()> add;  // appends a row to the draft
        std::function<void(int row)> remove;
        std::function<void(int row, int to)> swap;  // empty: rows keep their order (no Move buttons)
    };
    // Which cells show which problems. Paths are relative to the list: "[2].ttl_s".
    struct Checks {
        QString hintName;          // the problem list's object name
        std::vector<int> columns;  // the columns whose cells show problems
        // The column a field names: "ttl_s" → the TTL's; "" (the row itself) → where such problems go.
        std::function<int(const std::string& field)> columnOf;
        std::function<QString(const sb::ConfigError&)> problemText;  // as a tooltip and the list show it
    };

    explicit RowEditorTable(Setup setup, QWidget* parent = nullptr);

    // Builds a new row's cells with setCell and setText; called for each row setRowCount adds.
    void setRowBuilder(std::function<void(int row)> build);
    void setRowEdits(RowEdits edits);
    void setChecks(Checks checks);

    void setRowCount(int count);
    // setRowCount, then `fill(row)` for each row with the signals of its cell widgets blocked:
    // showing the draft is not an edit of it.
    void syncRows(int count, const std::function<void(int row)>& fill);
    int rowCount() const;
    int currentRow() const;  // -1: none
    void selectRow(int row);
    void clearCurrentRow();

    void addRow();
    void removeRow(int row);
    void moveRow(int row, int delta);

    // A cell edited through `editor`, which takes focus for its row; a check box sits centred.
    void setCell(int row, int column, QWidget* editor);
    template <typename Widget>
    Widget* cell(int row, int column) const {
        return qobject_cast<Widget*>(m_cells.at(std::size_t(row)).at(std::size_t(column)));
    }
    // A cell that only shows text; the first form leaves its colour and tooltip as they are.
    void setText(int row, int column, const QString& text);
    void setText(int row, int column, const QString& text, const QColor& colour, const QString& tip);
    QString text(int row, int column) const;
    QColor textColour(int row, int column) const;

    // Marks every row's cells with its problems (Checks) and lists them all under the table.
    void showProblems(const std::vector<sb::ConfigError>& errors);
    // The same marks, with the list worded by the editor.
    void markProblems(const std::vector<sb::ConfigError>& errors);
    void showHint(const QStringList& lines);
    bool rowMarkedInvalid(int row) const;
    QString hintText() const;

    QTableWidget* table() const { return m_table; }
    QPushButton* addButton() const { return m_add; }
    QPushButton* removeButton() const { return m_remove; }
    QPushButton* upButton() const { return m_up; }
    QPushButton* downButton() const { return m_down; }

signals:
    void currentRowChanged(int row);

private:
    void updateButtons();

    QTableWidget* m_table;
    RowFocus* m_focus = nullptr;  // only where rows are selectable
    QVBoxLayout* m_layout;
    QHBoxLayout* m_buttons;
    QLabel* m_hint = nullptr;
    QPushButton* m_add = nullptr;
    QPushButton* m_remove = nullptr;
    QPushButton* m_up = nullptr;
    QPushButton* m_down = nullptr;
    std::function<void(int)> m_build;
    RowEdits m_edits;
    Checks m_checks;
    std::vector<std::vector<QWidget*>> m_cells;  // [row][column]: the widget editing the cell, or null
    std::vector<bool> m_invalid;                 // per row: marked for its problems
};
