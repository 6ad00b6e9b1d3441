// Selecting a table row when one of its cell widgets takes focus.
#include "common/row_focus.h"

#include <QEvent>
#include <QTableWidget>
#include <QVariant>
#include <QWidget>

namespace {
constexpr auto kRowProperty = "editorRow";
}

RowFocus::RowFocus(QTableWidget* table) : QObject(table), m_table(table) {}

void RowFocus::track(QWidget* widget, int row) {
    widget->setProperty(kRowProperty, row);
    widget->installEventFilter(this);
    for (auto* child : widget->findChildren<QWidget*>()) {
        child->setProperty(kRowProperty, row);
        child->installEventFilter(this);
    }
}

bool RowFocus::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::FocusIn) {
        const QVariant row = watched->property(kRowProperty);
        if (row.isValid() && row.toInt() != m_table->currentRow()) m_table->selectRow(row.toInt());
    }
    return QObject::eventFilter(watched, event);
}
