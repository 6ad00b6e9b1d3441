// A small widget centred in a table cell.
#include "common/centred_cell.h"

#include <QHBoxLayout>
#include <QWidget>

QWidget* centredCell(QWidget* child, QWidget* table) {
    auto* cell = new QWidget(table);
    auto* box = new QHBoxLayout(cell);
    box->setContentsMargins(0, 0, 0, 0);
    box->addWidget(child, 0, Qt::AlignCenter);
    return cell;
}
