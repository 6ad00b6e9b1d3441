#include "prices/prices_editor.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

#include "common/editor_style.h"
#include "prices/prices_draft.h"
#include "common/row_focus.h"
#include "qt_text.h"

namespace {



// Which cell an error path points at: "[1].source" → the source.
int priceColumn(const std::string& path) {
    const std::string field = fieldOfPath(path);
    if (field == "input") return PricesEditor::InputColumn;
    if (field == "cached_input") return PricesEditor::CachedInputColumn;
    if (field == "output") return PricesEditor::OutputColumn;
    if (field == "source") return PricesEditor::SourceColumn;
    return PricesEditor::ModelColumn;
}

}  // namespace

PricesEditor::PricesEditor(PricesDraft& draft, QWidget* parent)
    : QWidget(parent),
      m_draft(draft),
      m_asOf(new QLineEdit(this)),
      m_table(new QTableWidget(0, ColumnCount, this)),
      m_focus(new RowFocus(m_table)),
      m_hint(new QLabel(this)),
      m_add(new QPushButton(tr("Add model"), this)),
      m_remove(new QPushButton(tr("Remove"), this)) {
    m_asOf->setObjectName(QStringLiteral("pricesAsOf"));
    m_asOf->setPlaceholderText(tr("YYYY-MM-DD"));
    m_asOf->setToolTip(tr("The date these prices were read from the providers' pricing pages"));
    m_asOf->setMaximumWidth(140);
    connect(m_asOf, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_draft.edit([&](sb::PriceSheet& sheet) { sheet.as_of = text.trimmed().toStdString(); });
    });

    setUpEditorTable(m_table, QStringLiteral("prices"),
                     {tr("Model"), tr("Input $/1M"), tr("Cached input $/1M"), tr("Output $/1M"), tr("Source")},
                     SourceColumn, ModelColumn);
    connect(m_table, &QTableWidget::currentCellChanged, this, [this] {
        updateButtons();
        emit currentRowChanged(currentRow());
    });
    setUpErrorHint(m_hint, QStringLiteral("pricesHint"));
    connect(m_add, &QPushButton::clicked, this, &PricesEditor::addModel);
    connect(m_remove, &QPushButton::clicked, this, [this] { removeModel(currentRow()); });

    auto* date = new QFormLayout;
    date->addRow(tr("Prices as of"), m_asOf);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_add);
    buttons->addWidget(m_remove);
    buttons->addStretch();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(date);
    layout->addWidget(new QLabel(tr("USD per million tokens. A dated snapshot (gpt-4o-2024-08-06) is priced by its model's "
                                    "row; a model with no row has no cost (shown as unknown, never as $0)."),
                                 this));
    layout->addWidget(m_table, 1);
    layout->addWidget(m_hint);
    layout->addLayout(buttons);
    sync();
}

void PricesEditor::editModel(int row, const std::function<void(sb::ModelPrice&)>& change) {
    m_draft.edit([&](sb::PriceSheet& sheet) {
        if (row >= 0 && row < int(sheet.models.size())) change(sheet.models[std::size_t(row)]);
    });
}

void PricesEditor::addModel() {
    // A placeholder name to type over; the source is left empty so the new row asks for one.
    const auto& models = m_draft.draft().models;
    int n = int(models.size()) + 1;
    const auto taken = [&models](const std::string& name) {
        return std::any_of(models.begin(), models.end(), [&](const sb::ModelPrice& p) { return p.model == name; });
    };
    while (taken(tr("model-%1").arg(n).toStdString())) ++n;
    sb::ModelPrice price;
    price.model = tr("model-%1").arg(n).toStdString();
    m_draft.edit([&](sb::PriceSheet& sheet) { sheet.models.push_back(price); });
    selectRow(rowCount() - 1);
}

void PricesEditor::removeModel(int row) {
    if (row < 0 || row >= rowCount()) return;
    m_draft.edit([row](sb::PriceSheet& sheet) { sheet.models.erase(sheet.models.begin() + row); });
    if (rowCount() > 0) selectRow(std::min(row, rowCount() - 1));
}

void PricesEditor::selectRow(int row) { m_table->selectRow(row); }

QDoubleSpinBox* PricesEditor::makePriceBox(int row, double sb::ModelPrice::*field) {
    auto* box = new QDoubleSpinBox(m_table);
    box->setRange(0, kMaxPricePerMillion);
    box->setDecimals(4);  // $0.0375 per million exists
    box->setSingleStep(0.05);
    box->setAlignment(Qt::AlignRight);
    connect(box, &QDoubleSpinBox::valueChanged, this,
            [this, row, field](double value) { editModel(row, [&](sb::ModelPrice& p) { p.*field = value; }); });
    return box;
}

void PricesEditor::appendRow() {
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    Row r;
    r.model = new QLineEdit(m_table);
    r.input = makePriceBox(row, &sb::ModelPrice::input_per_million);
    r.cachedInput = makePriceBox(row, &sb::ModelPrice::cached_input_per_million);
    r.cachedInput->setToolTip(tr("Input tokens the provider served from its own prompt cache"));
    r.output = makePriceBox(row, &sb::ModelPrice::output_per_million);
    r.source = new QLineEdit(m_table);
    r.source->setPlaceholderText(tr("pricing page URL, contract, or \"local model\""));
    connect(r.model, &QLineEdit::textChanged, this, [this, row](const QString& text) {
        editModel(row, [&](sb::ModelPrice& p) { p.model = text.trimmed().toStdString(); });
    });
    connect(r.source, &QLineEdit::textChanged, this, [this, row](const QString& text) {
        editModel(row, [&](sb::ModelPrice& p) { p.source = text.trimmed().toStdString(); });
    });
    m_table->setCellWidget(row, ModelColumn, r.model);
    m_table->setCellWidget(row, InputColumn, r.input);
    m_table->setCellWidget(row, CachedInputColumn, r.cachedInput);
    m_table->setCellWidget(row, OutputColumn, r.output);
    m_table->setCellWidget(row, SourceColumn, r.source);
    for (QWidget* w : {static_cast<QWidget*>(r.model), static_cast<QWidget*>(r.input), static_cast<QWidget*>(r.cachedInput),
                       static_cast<QWidget*>(r.output), static_cast<QWidget*>(r.source)})
        m_focus->track(w, row);
    m_rows.push_back(r);
}

void PricesEditor::syncRow(int index, const sb::ModelPrice& price) {
    Row& row = m_rows[std::size_t(index)];
    // Signals are blocked: showing the draft is not an edit of it.
    const QSignalBlocker blockModel(row.model), blockInput(row.input), blockCached(row.cachedInput),
        blockOutput(row.output), blockSource(row.source);
    if (row.model->text().trimmed().toStdString() != price.model) row.model->setText(qs(price.model));
    const std::array<std::pair<QDoubleSpinBox*, double>, 3> prices{
        {{row.input, price.input_per_million}, {row.cachedInput, price.cached_input_per_million}, {row.output, price.output_per_million}}};
    for (const auto& [box, value] : prices)
        if (std::abs(box->value() - value) > 1e-12) box->setValue(value);
    if (row.source->text().trimmed().toStdString() != price.source) row.source->setText(qs(price.source));
    markRow(index);
}

void PricesEditor::markRow(int index) {
    Row& row = m_rows[std::size_t(index)];
    const std::string prefix = "[" + std::to_string(index) + "]";
    std::array<QStringList, ColumnCount> byColumn;
    for (const auto& error : m_draft.errors())
        if (error.path.rfind(prefix, 0) == 0) byColumn[std::size_t(priceColumn(error.path))] << qs(error.rule);
    const std::array<std::pair<int, QWidget*>, ColumnCount> cells{{{ModelColumn, row.model},
                                                                   {InputColumn, row.input},
                                                                   {CachedInputColumn, row.cachedInput},
                                                                   {OutputColumn, row.output},
                                                                   {SourceColumn, row.source}}};
    row.invalid = markCells(cells, byColumn);
    markRowNumber(m_table, index, row.invalid);
}

void PricesEditor::sync() {
    const auto& sheet = m_draft.draft();
    {
        const QSignalBlocker block(m_asOf);
        if (m_asOf->text().trimmed().toStdString() != sheet.as_of) m_asOf->setText(qs(sheet.as_of));
    }
    const int wanted = int(sheet.models.size());
    while (rowCount() > wanted) {
        m_table->removeRow(rowCount() - 1);
        m_rows.pop_back();
    }
    while (rowCount() < wanted) appendRow();
    for (int i = 0; i < wanted; ++i) syncRow(i, sheet.models[std::size_t(i)]);

    QStringList lines;
    bool dateInvalid = false;
    for (const auto& error : m_draft.errors()) {
        // Rows are numbered from 1 on screen, as in the table's row header.
        if (error.path.rfind('[', 0) == 0) {
            const int row = std::atoi(error.path.c_str() + 1);
            const auto& models = sheet.models;
            const QString name = row < int(models.size()) && !models[std::size_t(row)].model.empty()
                                     ? qs(models[std::size_t(row)].model)
                                     : tr("row %1").arg(row + 1);
            const auto dot = error.path.find('.');
            lines << QStringLiteral("%1 %2: %3").arg(name, qs(error.path.substr(dot + 1)), qs(error.rule));
        } else {
            dateInvalid = true;
            lines << qs(error.to_string());
        }
    }
    m_asOf->setStyleSheet(dateInvalid ? invalidCellStyle() : QString());
    showErrorLines(m_hint, lines);
    updateButtons();
}

void PricesEditor::updateButtons() { m_remove->setEnabled(currentRow() >= 0); }

int PricesEditor::rowCount() const { return int(m_rows.size()); }
int PricesEditor::currentRow() const {
    const int row = m_table->currentRow();
    return row < rowCount() ? row : -1;
}
QLineEdit* PricesEditor::modelEdit(int row) const { return m_rows.at(std::size_t(row)).model; }
QDoubleSpinBox* PricesEditor::priceBox(int row, Column column) const {
    const Row& r = m_rows.at(std::size_t(row));
    switch (column) {
    case InputColumn: return r.input;
    case CachedInputColumn: return r.cachedInput;
    case OutputColumn: return r.output;
    default: return nullptr;
    }
}
QLineEdit* PricesEditor::sourceEdit(int row) const { return m_rows.at(std::size_t(row)).source; }
QString PricesEditor::hintText() const { return m_hint->text(); }
bool PricesEditor::rowMarkedInvalid(int row) const { return m_rows.at(std::size_t(row)).invalid; }
