#pragma once
// The price table of the draft: the date the prices were read, then one row per model —
// name, input, cached-input and output price in USD per million tokens, and where the
// prices come from — with add and remove. A dated snapshot ("gpt-4o-2024-08-06") is priced
// by the row of its model. Invalid cells are marked and their problems listed under the
// table. Rows are positional and synced in place from the draft.
#include <QWidget>

#include <functional>

#include "cost/price_table.h"

class PricesDraft;
class QDoubleSpinBox;
class QLineEdit;
class QPushButton;
class QTableWidget;
class RowEditorTable;

class PricesEditor final : public QWidget {
    Q_OBJECT
public:
    enum Column { ModelColumn, InputColumn, CachedInputColumn, OutputColumn, SourceColumn, ColumnCount };
    static constexpr double kMaxPricePerMillion = 100'000;

    explicit PricesEditor(PricesDraft& draft, QWidget* parent = nullptr);
    void sync();

    int rowCount() const;
    int currentRow() const;
    QLineEdit* asOfEdit() const { return m_asOf; }
    QLineEdit* modelEdit(int row) const;
    QDoubleSpinBox* priceBox(int row, Column column) const;  // Input, CachedInput or Output
    QLineEdit* sourceEdit(int row) const;
    QPushButton* addButton() const;
    QPushButton* removeButton() const;
    QTableWidget* table() const;
    QString hintText() const;
    bool rowMarkedInvalid(int row) const;

private:
    void appendModel();
    void editModel(int row, const std::function<void(sb::ModelPrice&)>& change);
    QDoubleSpinBox* makePriceBox(int row, double sb::ModelPrice::*field);
    void buildRow(int row);
    void syncRow(int row, const sb::ModelPrice& price);
    QStringList problemLines() const;

    PricesDraft& m_draft;
    QLineEdit* m_asOf;
    RowEditorTable* m_rows;
};
