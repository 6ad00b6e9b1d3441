// The table of cell widgets every row editor is built on.
#include "common/row_editor_table.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <utility>

#include "common/editor_style.h"
#include "common/row_focus.h"

namespace {

// A check box is small: it sits centred in a widget filling the cell.
QWidget* centred(QWidget* child, QWidget* table) {
    auto* cell = new QWidget(table);
    auto* box = new QHBoxLayout(cell);
    box->setContentsMargins(0, 0, 0, 0);
    box->addWidget(child, 0, Qt::AlignCenter);
    return cell;
}

// The field a problem's path names after its row ("[2].ttl_s" → "ttl_s"); empty when the path
// names the row itself.
std::string fieldOfPath(const std::string& path) {
    const auto dot = path.find('.');
    return dot == std::string::npos ? std::string() : path.substr(dot + 1);
}

}  // namespace

RowEditorTable::RowEditorTable(Setup setup, QWidget* parent)
    : QWidget(parent),
      m_table(new QTableWidget(0, int(setup.headers.size()), this)),
      m_layout(new QVBoxLayout(this)),
      m_buttons(new QHBoxLayout) {
    setUpEditorTable(m_table, setup.objectName, setup.headers, setup.stretchColumn, setup.nameColumn);
    if (setup.selectableRows)
        m_focus = new RowFocus(m_table);
    else
        m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->verticalHeader()->setVisible(setup.rowNumbers);
    connect(m_table, &QTableWidget::currentCellChanged, this, [this] {
        updateButtons();
        emit currentRowChanged(currentRow());
    });
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->addWidget(m_table, 1);
    m_layout->addLayout(m_buttons);
}

void RowEditorTable::setRowBuilder(std::function<void(int row)> build) { m_build = std::move(build); }

void RowEditorTable::setRowEdits(RowEdits edits) {
    m_edits = std::move(edits);
    m_add = new QPushButton(m_edits.addText, this);
    m_remove = new QPushButton(tr("Remove"), this);
    connect(m_add, &QPushButton::clicked, this, &RowEditorTable::addRow);
    connect(m_remove, &QPushButton::clicked, this, [this] { removeRow(currentRow()); });
    m_buttons->addWidget(m_add);
    m_buttons->addWidget(m_remove);
    if (m_edits.swap) {
        m_up = new QPushButton(tr("Move up"), this);
        m_down = new QPushButton(tr("Move down"), this);
        connect(m_up, &QPushButton::clicked, this, [this] { moveRow(currentRow(), -1); });
        connect(m_down, &QPushButton::clicked, this, [this] { moveRow(currentRow(), +1); });
        m_buttons->addWidget(m_up);
        m_buttons->addWidget(m_down);
    }
    m_buttons->addStretch();
    updateButtons();
}

void RowEditorTable::setChecks(Checks checks) {
    m_checks = std::move(checks);
    m_hint = new QLabel(this);
    setUpErrorHint(m_hint, m_checks.hintName);
    m_layout->insertWidget(m_layout->indexOf(m_table) + 1, m_hint);
}

void RowEditorTable::setRowCount(int count) {
    while (rowCount() > count) {
        m_table->removeRow(rowCount() - 1);
        m_cells.pop_back();
        m_invalid.pop_back();
    }
    while (rowCount() < count) {
        const int row = rowCount();
        m_table->insertRow(row);
        m_cells.emplace_back(std::size_t(m_table->columnCount()), nullptr);
        m_invalid.push_back(false);
        if (m_build) m_build(row);
    }
    updateButtons();
}

void RowEditorTable::syncRows(int count, const std::function<void(int row)>& fill) {
    setRowCount(count);
    for (int row = 0; row < count; ++row) {
        std::vector<QSignalBlocker> quiet;
        for (QWidget* editor : m_cells[std::size_t(row)])
            if (editor) quiet.emplace_back(editor);
        fill(row);
    }
}

int RowEditorTable::rowCount() const { return int(m_cells.size()); }

int RowEditorTable::currentRow() const {
    const int row = m_table->currentRow();
    return row < rowCount() ? row : -1;
}

void RowEditorTable::selectRow(int row) { m_table->selectRow(row); }

void RowEditorTable::clearCurrentRow() { m_table->setCurrentCell(-1, -1); }

void RowEditorTable::addRow() {
    if (!m_edits.add) return;
    const int before = rowCount();
    m_edits.add();
    if (rowCount() > before) selectRow(rowCount() - 1);
}

void RowEditorTable::removeRow(int row) {
    if (!m_edits.remove || row < 0 || row >= rowCount()) return;
    m_edits.remove(row);
    if (rowCount() > 0) selectRow(std::min(row, rowCount() - 1));
}

void RowEditorTable::moveRow(int row, int delta) {
    const int to = row + delta;
    if (!m_edits.swap || row < 0 || row >= rowCount() || to < 0 || to >= rowCount()) return;
    m_edits.swap(row, to);
    selectRow(to);
}

void RowEditorTable::setCell(int row, int column, QWidget* editor) {
    m_cells.at(std::size_t(row)).at(std::size_t(column)) = editor;
    m_table->setCellWidget(row, column, qobject_cast<QCheckBox*>(editor) ? centred(editor, m_table) : editor);
    if (m_focus) m_focus->track(editor, row);
}

void RowEditorTable::setText(int row, int column, const QString& text) {
    QTableWidgetItem* item = m_table->item(row, column);
    if (!item) m_table->setItem(row, column, item = new QTableWidgetItem);
    if (item->text() != text) item->setText(text);
}

void RowEditorTable::setText(int row, int column, const QString& text, const QColor& colour,
                             const QString& tip) {
    setText(row, column, text);
    QTableWidgetItem* item = m_table->item(row, column);
    const QBrush brush = colour.isValid() ? QBrush(colour) : QBrush();
    if (item->foreground() != brush) item->setForeground(brush);
    if (item->toolTip() != tip) item->setToolTip(tip);
}

QString RowEditorTable::text(int row, int column) const {
    const QTableWidgetItem* item = m_table->item(row, column);
    return item ? item->text() : QString();
}

QColor RowEditorTable::textColour(int row, int column) const {
    const QTableWidgetItem* item = m_table->item(row, column);
    return item ? item->foreground().color() : QColor();
}

void RowEditorTable::showProblems(const std::vector<sb::ConfigError>& errors) {
    markProblems(errors);
    QStringList lines;
    for (const auto& error : errors) lines << m_checks.problemText(error);
    showHint(lines);
}

void RowEditorTable::markProblems(const std::vector<sb::ConfigError>& errors) {
    if (!m_checks.columnOf) return;
    for (int row = 0; row < rowCount(); ++row) {
        const std::string prefix = "[" + std::to_string(row) + "]";
        std::vector<QStringList> byColumn(std::size_t(m_table->columnCount()));
        for (const auto& error : errors) {
            if (!error.path.starts_with(prefix)) continue;
            const int column = m_checks.columnOf(fieldOfPath(error.path));
            byColumn.at(std::size_t(column)) << m_checks.problemText(error);
        }
        bool invalid = false;
        for (const int column : m_checks.columns) {
            const QStringList& problems = byColumn.at(std::size_t(column));
            invalid = invalid || !problems.isEmpty();
            if (QWidget* editor = m_cells[std::size_t(row)][std::size_t(column)])
                markInput(editor, problems);
            else if (QTableWidgetItem* item = m_table->item(row, column))
                item->setToolTip(problems.join(QLatin1Char('\n')));
        }
        m_invalid[std::size_t(row)] = invalid;
        markRowNumber(m_table, row, invalid);
    }
}

void RowEditorTable::showHint(const QStringList& lines) {
    if (m_hint) showErrorLines(m_hint, lines);
}

bool RowEditorTable::rowMarkedInvalid(int row) const { return m_invalid.at(std::size_t(row)); }

QString RowEditorTable::hintText() const { return m_hint ? m_hint->text() : QString(); }

void RowEditorTable::updateButtons() {
    const int row = currentRow();
    if (m_remove) m_remove->setEnabled(row >= 0);
    if (m_up) m_up->setEnabled(row > 0);
    if (m_down) m_down->setEnabled(row >= 0 && row + 1 < rowCount());
}
