// The shared look of editor tables, invalid inputs and problem hints.
#include "common/editor_style.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>

QString invalidCellStyle() { return QStringLiteral("border: 1px solid #d32f2f;"); }

void setUpEditorTable(QTableWidget* table, const QString& objectName, const QStringList& headers, int stretchColumn,
                      int nameColumn) {
    table->setObjectName(objectName);
    table->setHorizontalHeaderLabels(headers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setSectionResizeMode(stretchColumn, QHeaderView::Stretch);
    if (nameColumn >= 0) {
        // Names are short phrases ("account and security"): wider than a line edit's hint.
        table->horizontalHeader()->setSectionResizeMode(nameColumn, QHeaderView::Interactive);
        table->setColumnWidth(nameColumn, 190);
    }
}

void setUpErrorHint(QLabel* hint, const QString& objectName) {
    hint->setObjectName(objectName);
    hint->setWordWrap(true);
    hint->setTextInteractionFlags(Qt::TextSelectableByMouse);
    hint->setStyleSheet(QStringLiteral("color: #d32f2f;"));
    hint->hide();
}

void showErrorLines(QLabel* hint, const QStringList& lines) {
    const QString text = lines.join(QLatin1Char('\n'));
    if (hint->text() != text) hint->setText(text);
    hint->setVisible(!lines.isEmpty());
}

bool markInput(QWidget* input, const QStringList& problems) {
    const QString style = problems.isEmpty() ? QString() : invalidCellStyle();
    if (input->styleSheet() != style) input->setStyleSheet(style);
    input->setToolTip(problems.join(QLatin1Char('\n')));
    return !problems.isEmpty();
}

bool markCells(std::span<const std::pair<int, QWidget*>> cells, std::span<const QStringList> byColumn) {
    bool invalid = false;
    for (const auto& [column, widget] : cells) invalid = markInput(widget, byColumn[std::size_t(column)]) || invalid;
    return invalid;
}

void markRowNumber(QTableWidget* table, int row, bool invalid) {
    auto* header = table->verticalHeaderItem(row);
    if (!header) {
        header = new QTableWidgetItem;
        table->setVerticalHeaderItem(row, header);
    }
    const QString label = invalid ? QStringLiteral("%1 ⚠").arg(row + 1) : QString::number(row + 1);
    if (header->text() != label) header->setText(label);
}
