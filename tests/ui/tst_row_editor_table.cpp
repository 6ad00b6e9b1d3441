// RowEditorTable, driven the way the row editors drive it, over a staged draft of a plain list:
// rows follow the draft in place (kept rows keep their widgets), a problem's path marks the
// cell it names and that row only ("[10]" is not "[1]"), and clears when fixed; the row buttons
// act on the current row and select the row they leave; a cell widget (or a part of it) taking
// focus selects its row; a table whose rows are not selectable never selects one.
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QFocusEvent>
#include <QLabel>
#include <QLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTableWidget>
#include <QtTest>

#include <memory>
#include <vector>

#include "../support/item_draft.h"
#include "common/editor_style.h"
#include "common/row_editor_table.h"

using sb::test::Item;
using sb::test::ItemDraft;

namespace {

enum Column { NameColumn, ThresholdColumn, ActiveColumn, NoteColumn, ColumnCount };

std::vector<Item> items(int count) {
    std::vector<Item> out;
    for (int i = 0; i < count; ++i) out.push_back({"item-" + std::to_string(i), 10 * i});
    return out;
}

// An editor of ItemDraft as the real ones are written: cells built once per row, filled from
// the draft on every change, problems shown after.
class ItemEditor {
public:
    ItemEditor(ItemDraft& draft, bool selectableRows)
        : m_draft(draft),
          table(RowEditorTable::Setup{.objectName = QStringLiteral("items"),
                                      .headers = {"Name", "Threshold", "Active", "Note"},
                                      .stretchColumn = NoteColumn,
                                      .nameColumn = NameColumn,
                                      .selectableRows = selectableRows}) {
        table.setRowBuilder([this](int row) {
            ++built;
            auto* name = new QLineEdit;
            QObject::connect(name, &QLineEdit::textEdited, [this, row](const QString& text) {
                m_draft.edit([&](std::vector<Item>& list) { list[std::size_t(row)].name = text.toStdString(); });
            });
            auto* threshold = new QSpinBox;
            threshold->setRange(0, 1000);
            QObject::connect(threshold, &QSpinBox::valueChanged, [this, row](int value) {
                m_draft.edit([&](std::vector<Item>& list) { list[std::size_t(row)].threshold = value; });
            });
            table.setCell(row, NameColumn, name);
            table.setCell(row, ThresholdColumn, threshold);
            table.setCell(row, ActiveColumn, new QCheckBox);
        });
        table.setRowEdits({.addText = QStringLiteral("Add item"),
                           .add = [this] { m_draft.edit([](std::vector<Item>& list) { list.push_back({"new", 0}); }); },
                           .remove = [this](int row) {
                               m_draft.edit([row](std::vector<Item>& list) { list.erase(list.begin() + row); });
                           },
                           .swap = [this](int row, int to) {
                               m_draft.edit([=](std::vector<Item>& list) {
                                   std::swap(list[std::size_t(row)], list[std::size_t(to)]);
                               });
                           }});
        // A problem of the row itself ("[3]") goes on the note, a text cell.
        table.setChecks({.hintName = QStringLiteral("itemsHint"),
                         .columns = {NameColumn, ThresholdColumn, NoteColumn},
                         .columnOf = [](const std::string& field) { return field == "threshold" ? ThresholdColumn : NoteColumn; },
                         .problemText = [](const sb::ConfigError& e) { return QString::fromStdString(e.to_string()); }});
        QObject::connect(&m_draft, &Draft::changed, &table, [this] { sync(); });
        sync();
    }

    void sync() {
        const auto& list = m_draft.draft();
        table.setRowCount(int(list.size()));
        for (int row = 0; row < int(list.size()); ++row) {
            const Item& item = list[std::size_t(row)];
            auto* name = table.cell<QLineEdit>(row, NameColumn);
            auto* threshold = table.cell<QSpinBox>(row, ThresholdColumn);
            const QSignalBlocker blockName(name), blockThreshold(threshold);
            name->setText(QString::fromStdString(item.name));
            threshold->setValue(item.threshold);
            table.setText(row, NoteColumn, QStringLiteral("note %1").arg(row));
        }
        table.showProblems(m_draft.errors());
    }

    QLabel* hint() const { return table.findChild<QLabel*>(QStringLiteral("itemsHint")); }

    ItemDraft& m_draft;
    RowEditorTable table;
    int built = 0;  // rows the builder made
};

QString rowHeader(QTableWidget* table, int row) {
    const QTableWidgetItem* header = table->verticalHeaderItem(row);
    return header ? header->text() : QString();
}

}  // namespace

class TestRowEditorTable : public QObject {
    Q_OBJECT

private slots:
    void rowsFollowTheDraftInPlace() {
        ItemDraft draft(items(2));
        ItemEditor editor(draft, true);
        QAbstractItemModelTester tester(editor.table.table()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(editor.table.rowCount(), 2);
        QCOMPARE(editor.built, 2);
        QLineEdit* first = editor.table.cell<QLineEdit>(0, NameColumn);
        QVERIFY(first);
        QCOMPARE(first->text(), QStringLiteral("item-0"));
        QVERIFY(!editor.table.cell<QSpinBox>(0, NameColumn));  // a cell holds the widget it was given

        draft.edit([](std::vector<Item>& list) { list = items(4); });
        QCOMPARE(editor.table.rowCount(), 4);
        QCOMPARE(editor.table.table()->rowCount(), 4);
        QCOMPARE(editor.built, 4);  // only the two new rows were built
        QCOMPARE(editor.table.cell<QLineEdit>(0, NameColumn), first);
        QCOMPARE(editor.table.cell<QSpinBox>(3, ThresholdColumn)->value(), 30);

        draft.edit([](std::vector<Item>& list) { list.resize(1); });
        QCOMPARE(editor.table.rowCount(), 1);
        QCOMPARE(editor.table.table()->rowCount(), 1);
        QCOMPARE(editor.table.cell<QLineEdit>(0, NameColumn), first);
        QCOMPARE(editor.table.text(0, NoteColumn), QStringLiteral("note 0"));

        // A check box sits centred in a cell of its own; the table still hands out the box.
        auto* box = editor.table.cell<QCheckBox>(0, ActiveColumn);
        QVERIFY(box);
        QWidget* cell = editor.table.table()->cellWidget(0, ActiveColumn);
        QVERIFY(cell != box);
        QCOMPARE(box->parentWidget(), cell);
        QCOMPARE(cell->layout()->itemAt(0)->alignment(), Qt::AlignCenter);
    }

    void aProblemMarksTheCellItsPathNames() {
        ItemDraft draft(items(11));
        ItemEditor editor(draft, true);
        QTableWidget* table = editor.table.table();
        QVERIFY(!editor.table.rowMarkedInvalid(10));
        QCOMPARE(rowHeader(table, 10), QStringLiteral("11"));

        editor.table.cell<QSpinBox>(10, ThresholdColumn)->setValue(200);  // as typed
        QCOMPARE(draft.draft()[10].threshold, 200);
        auto* threshold = editor.table.cell<QSpinBox>(10, ThresholdColumn);
        QCOMPARE(threshold->styleSheet(), invalidCellStyle());
        QCOMPARE(threshold->toolTip(), QStringLiteral("[10].threshold: must be at most 100"));
        QVERIFY(editor.table.cell<QLineEdit>(10, NameColumn)->styleSheet().isEmpty());
        QVERIFY(editor.table.rowMarkedInvalid(10));
        QCOMPARE(rowHeader(table, 10), QStringLiteral("11 ⚠"));
        // "[10]" starts with "[1", not with "[1]": row 1 is fine.
        QVERIFY(!editor.table.rowMarkedInvalid(1));
        QVERIFY(editor.table.cell<QSpinBox>(1, ThresholdColumn)->styleSheet().isEmpty());
        QCOMPARE(rowHeader(table, 1), QStringLiteral("2"));
        QCOMPARE(editor.table.hintText(), QStringLiteral("[10].threshold: must be at most 100"));
        QVERIFY(editor.hint()->isVisibleTo(&editor.table));

        // A problem of the row itself goes where columnOf("") says: a text cell's tooltip.
        draft.edit([](std::vector<Item>& list) { list[3].name.clear(); });
        QVERIFY(editor.table.rowMarkedInvalid(3));
        QCOMPARE(table->item(3, NoteColumn)->toolTip(), QStringLiteral("[3]: must have a name"));
        QCOMPARE(editor.table.hintText(),
                 QStringLiteral("[3]: must have a name\n[10].threshold: must be at most 100"));

        // Fixed: every mark goes.
        draft.edit([](std::vector<Item>& list) {
            list[3].name = "back";
            list[10].threshold = 100;
        });
        QVERIFY(!editor.table.rowMarkedInvalid(3));
        QVERIFY(!editor.table.rowMarkedInvalid(10));
        QVERIFY(threshold->styleSheet().isEmpty());
        QVERIFY(threshold->toolTip().isEmpty());
        QVERIFY(table->item(3, NoteColumn)->toolTip().isEmpty());
        QCOMPARE(rowHeader(table, 10), QStringLiteral("11"));
        QVERIFY(editor.table.hintText().isEmpty());
        QVERIFY(!editor.hint()->isVisibleTo(&editor.table));
    }

    void rowButtonsActOnTheCurrentRow() {
        ItemDraft draft({{"a", 1}, {"b", 2}, {"c", 3}});
        ItemEditor editor(draft, true);
        RowEditorTable& table = editor.table;
        QCOMPARE(table.currentRow(), -1);
        QVERIFY(table.addButton()->isEnabled());
        QVERIFY(!table.removeButton()->isEnabled());
        QVERIFY(!table.upButton()->isEnabled());
        QVERIFY(!table.downButton()->isEnabled());

        QSignalSpy current(&table, &RowEditorTable::currentRowChanged);
        table.selectRow(0);
        QCOMPARE(current.count(), 1);
        QCOMPARE(current.at(0).at(0).toInt(), 0);
        QVERIFY(table.removeButton()->isEnabled());
        QVERIFY(!table.upButton()->isEnabled());  // the first row cannot move up
        QVERIFY(table.downButton()->isEnabled());

        QTest::mouseClick(table.downButton(), Qt::LeftButton);
        QCOMPARE(draft.draft()[0].name, std::string("b"));
        QCOMPARE(draft.draft()[1].name, std::string("a"));
        QCOMPARE(table.currentRow(), 1);  // the moved row stays selected
        QCOMPARE(table.cell<QLineEdit>(1, NameColumn)->text(), QStringLiteral("a"));
        QVERIFY(table.upButton()->isEnabled());

        table.selectRow(2);
        QVERIFY(!table.downButton()->isEnabled());  // the last row cannot move down
        table.moveRow(2, +1);                       // nor through the API
        QCOMPARE(draft.draft()[2].name, std::string("c"));

        QTest::mouseClick(table.removeButton(), Qt::LeftButton);
        QCOMPARE(draft.draft().size(), std::size_t(2));
        QCOMPARE(table.rowCount(), 2);
        QCOMPARE(table.currentRow(), 1);  // the row before the removed last one

        QTest::mouseClick(table.addButton(), Qt::LeftButton);
        QCOMPARE(draft.draft().size(), std::size_t(3));
        QCOMPARE(draft.draft()[2].name, std::string("new"));
        QCOMPARE(table.currentRow(), 2);  // the new row is selected

        table.removeRow(7);  // out of range: nothing happens
        QCOMPARE(draft.draft().size(), std::size_t(3));
    }

    void aCellTakingFocusSelectsItsRow() {
        ItemDraft draft(items(3));
        ItemEditor editor(draft, true);
        // The spin box's own line edit takes the focus: children count for their cell.
        QWidget* inner = editor.table.cell<QSpinBox>(2, ThresholdColumn)->findChild<QLineEdit*>();
        QVERIFY(inner);
        QFocusEvent focusIn(QEvent::FocusIn);
        QApplication::sendEvent(inner, &focusIn);
        QCOMPARE(editor.table.currentRow(), 2);
        QVERIFY(editor.table.removeButton()->isEnabled());
    }

    void rowsThatAreNotSelectableAreNeverSelected() {
        ItemDraft draft(items(3));
        ItemEditor selectable(draft, true);
        selectable.table.selectRow(1);
        QCOMPARE(selectable.table.table()->selectionModel()->selectedRows().size(), 1);

        ItemEditor inPlace(draft, false);
        QCOMPARE(inPlace.table.table()->selectionMode(), QAbstractItemView::NoSelection);
        inPlace.table.selectRow(1);
        QVERIFY(inPlace.table.table()->selectionModel()->selectedRows().isEmpty());
    }
};

QTEST_MAIN(TestRowEditorTable)
#include "tst_row_editor_table.moc"
