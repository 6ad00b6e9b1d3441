#pragma once
// A table cell widget that holds one small widget (a check box) centred in the cell.
class QWidget;

QWidget* centredCell(QWidget* child, QWidget* table);
