#pragma once
// How the editors look: a table with one row selected at a time, invalid inputs outlined in
// red with their problems as tooltips, invalid rows' numbers marked "⚠", and the problems
// listed in a red hint. Used by the row editors and by the Providers page's table and form.
#include <QString>
#include <QStringList>

#include <string>

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

// Outlines each (column, widget) cell whose column has problems in `byColumn` and sets its
// tooltip to them; returns whether any cell was invalid.
bool markCells(std::span<const std::pair<int, QWidget*>> cells, std::span<const QStringList> byColumn);

// The field a problem's config path names after its row ("rules[2].ttl_s" → "ttl_s"); empty
// when the path names the row itself.
std::string fieldOfPath(const std::string& path);

// The row's number in the vertical header, with "⚠" when the row is invalid.
void markRowNumber(QTableWidget* table, int row, bool invalid);
