#pragma once
// How the editors look: a table with one row selected at a time, invalid inputs outlined in
// red with their problems as tooltips, invalid rows' numbers marked "⚠", and the problems
// listed in a red hint. Used by the row editors and by the Providers page's table and form.
#include <QString>
#include <QStringList>

#include <span>
#include <utility>

class QLabel;
class QTableWidget;
class QWidget;

// The red outline of a cell (or any input) that holds an invalid value.
QString invalidCellStyle();

// Rows selected whole, one at a time, cells edited through their widgets only; columns sized
// to their contents except `stretchColumn`; `nameColumn` (if >= 0) starts wide and is resizable.
void setUpEditorTable(QTableWidget* table, const QString& objectName, const QStringList& headers, int stretchColumn,
                      int nameColumn = -1);

// A selectable, word-wrapped red label, hidden until there is something to say.
void setUpErrorHint(QLabel* hint, const QString& objectName);
void showErrorLines(QLabel* hint, const QStringList& lines);

// Outlines `input` when it has problems and sets its tooltip to them; returns whether it has any.
bool markInput(QWidget* input, const QStringList& problems);
// markInput for each (column, widget) cell, with the problems of its column in `byColumn`;
// returns whether any cell was invalid.
bool markCells(std::span<const std::pair<int, QWidget*>> cells, std::span<const QStringList> byColumn);

// The row's number in the vertical header, with "⚠" when the row is invalid.
void markRowNumber(QTableWidget* table, int row, bool invalid);
