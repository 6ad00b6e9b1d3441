#pragma once
// The price table of the draft: the date the prices were read, then one row per model —
// name, input, cached-input and output price in USD per million tokens, and where the
// prices come from — with add and remove. A dated snapshot ("gpt-4o-2024-08-06") is priced
// by the row of its model. Invalid cells are marked and their problems listed under the
// table. Rows are positional and synced in place from the draft.
#include <QWidget>

#include <functional>
#include <vector>

#include "cost/price_table.h"

class PricesDraft;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;
class RowFocus;

class PricesEditor final : public QWidget {
    Q_OBJECT
public:
    enum Column { ModelColumn, InputColumn, CachedInputColumn, OutputColumn, SourceColumn, ColumnCount };
    static constexpr double kMaxPricePerMillion = 100'000;

    explicit PricesEditor(PricesDraft& draft, QWidget* parent = nullptr);
    void sync();

    void addModel();
    void removeModel(int row);
    void selectRow(int row);

    int rowCount() const;
    int currentRow() const;
    QLineEdit* asOfEdit() const { return m_asOf; }
    QLineEdit* modelEdit(int row) const;
    QDoubleSpinBox* priceBox(int row, Column column) const;  // Input, CachedInput or Output
    QLineEdit* sourceEdit(int row) const;
    QPushButton* addButton() const { return m_add; }
    QPushButton* removeButton() const { return m_remove; }
    QTableWidget* table() const { return m_table; }
    QString hintText() const;
    bool rowMarkedInvalid(int row) const;

signals:
    void currentRowChanged(int row);

private:
    struct Row {
        QLineEdit* model = nullptr;
        QDoubleSpinBox* input = nullptr;
        QDoubleSpinBox* cachedInput = nullptr;
        QDoubleSpinBox* output = nullptr;
        QLineEdit* source = nullptr;
        bool invalid = false;
    };

    void editModel(int row, const std::function<void(sb::ModelPrice&)>& change);
    QDoubleSpinBox* makePriceBox(int row, double sb::ModelPrice::*field);
    void appendRow();
    void syncRow(int row, const sb::ModelPrice& price);
    void markRow(int row);
    void updateButtons();

    PricesDraft& m_draft;
    std::vector<Row> m_rows;
    QLineEdit* m_asOf;
    QTableWidget* m_table;
    RowFocus* m_focus;
    QLabel* m_hint;
    QPushButton* m_add;
    QPushButton* m_remove;
};
