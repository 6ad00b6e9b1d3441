#pragma once
// Editor tables made of cell widgets: clicking into a cell widget does not make its row the
// table's current row, so buttons acting on "the selected row" would miss it. Widgets
// registered here select their row when they take focus.
#include <QObject>

class QTableWidget;
class QWidget;

class RowFocus final : public QObject {
public:
    explicit RowFocus(QTableWidget* table);
    void track(QWidget* widget, int row);  // the widget (and its children) select `row` on focus

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QTableWidget* m_table;
};
