#include "prices/prices_editor.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

#include "common/editor_style.h"
#include "common/row_editor_table.h"
#include "prices/prices_draft.h"
#include "common/qt_text.h"

namespace {

// Which cell a problem's field points at: "source" → the source.
int priceColumn(const std::string& field) {
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
      m_rows(new RowEditorTable(
          {.objectName = QStringLiteral("prices"),
           .headers = {tr("Model"), tr("Input $/1M"), tr("Cached input $/1M"), tr("Output $/1M"), tr("Source")},
           .stretchColumn = SourceColumn,
           .nameColumn = ModelColumn},
          this)) {
    m_asOf->setObjectName(QStringLiteral("pricesAsOf"));
    m_asOf->setPlaceholderText(tr("YYYY-MM-DD"));
    m_asOf->setToolTip(tr("The date these prices were read from the providers' pricing pages"));
    m_asOf->setMaximumWidth(140);
    connect(m_asOf, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_draft.edit([&](sb::PriceSheet& sheet) { sheet.as_of = text.trimmed().toStdString(); });
    });

    m_rows->setRowBuilder([this](int row) { buildRow(row); });
    m_rows->setRowEdits({.addText = tr("Add model"),
                         .add = [this] { appendModel(); },
                         .remove = [this](int row) {
                             m_draft.edit([row](sb::PriceSheet& sheet) { sheet.models.erase(sheet.models.begin() + row); });
                         }});
    m_rows->setChecks({.hintName = QStringLiteral("pricesHint"),
                       .columns = {ModelColumn, InputColumn, CachedInputColumn, OutputColumn, SourceColumn},
                       .columnOf = &priceColumn,
                       .problemText = [](const sb::ConfigError& error) { return qs(error.rule); }});

    auto* date = new QFormLayout;
    date->addRow(tr("Prices as of"), m_asOf);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(date);
    layout->addWidget(new QLabel(tr("USD per million tokens. A dated snapshot (gpt-4o-2024-08-06) is priced by its model's "
                                    "row; a model with no row has no cost (shown as unknown, never as $0)."),
                                 this));
    layout->addWidget(m_rows, 1);
    sync();
}

void PricesEditor::editModel(int row, const std::function<void(sb::ModelPrice&)>& change) {
    m_draft.edit([&](sb::PriceSheet& sheet) {
        if (row >= 0 && row < int(sheet.models.size())) change(sheet.models[std::size_t(row)]);
    });
}

void PricesEditor::appendModel() {
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
}

QDoubleSpinBox* PricesEditor::makePriceBox(int row, double sb::ModelPrice::*field) {
    auto* box = new QDoubleSpinBox;
    box->setRange(0, kMaxPricePerMillion);
    box->setDecimals(4);  // $0.0375 per million exists
    box->setSingleStep(0.05);
    box->setAlignment(Qt::AlignRight);
    connect(box, &QDoubleSpinBox::valueChanged, this,
            [this, row, field](double value) { editModel(row, [&](sb::ModelPrice& p) { p.*field = value; }); });
    return box;
}

void PricesEditor::buildRow(int row) {
    auto* model = new QLineEdit;
    QDoubleSpinBox* input = makePriceBox(row, &sb::ModelPrice::input_per_million);
    QDoubleSpinBox* cachedInput = makePriceBox(row, &sb::ModelPrice::cached_input_per_million);
    cachedInput->setToolTip(tr("Input tokens the provider served from its own prompt cache"));
    QDoubleSpinBox* output = makePriceBox(row, &sb::ModelPrice::output_per_million);
    auto* source = new QLineEdit;
    source->setPlaceholderText(tr("pricing page URL, contract, or \"local model\""));
    connect(model, &QLineEdit::textChanged, this, [this, row](const QString& text) {
        editModel(row, [&](sb::ModelPrice& p) { p.model = text.trimmed().toStdString(); });
    });
    connect(source, &QLineEdit::textChanged, this, [this, row](const QString& text) {
        editModel(row, [&](sb::ModelPrice& p) { p.source = text.trimmed().toStdString(); });
    });
    m_rows->setCell(row, ModelColumn, model);
    m_rows->setCell(row, InputColumn, input);
    m_rows->setCell(row, CachedInputColumn, cachedInput);
    m_rows->setCell(row, OutputColumn, output);
    m_rows->setCell(row, SourceColumn, source);
}

void PricesEditor::syncRow(int row, const sb::ModelPrice& price) {
    QLineEdit* model = modelEdit(row);
    QDoubleSpinBox* input = priceBox(row, InputColumn);
    QDoubleSpinBox* cachedInput = priceBox(row, CachedInputColumn);
    QDoubleSpinBox* output = priceBox(row, OutputColumn);
    QLineEdit* source = sourceEdit(row);
    if (model->text().trimmed().toStdString() != price.model) model->setText(qs(price.model));
    const std::array<std::pair<QDoubleSpinBox*, double>, 3> prices{
        {{input, price.input_per_million}, {cachedInput, price.cached_input_per_million}, {output, price.output_per_million}}};
    for (const auto& [box, value] : prices)
        if (std::abs(box->value() - value) > 1e-12) box->setValue(value);
    if (source->text().trimmed().toStdString() != price.source) source->setText(qs(price.source));
}

void PricesEditor::sync() {
    const auto& sheet = m_draft.draft();
    {
        const QSignalBlocker block(m_asOf);
        if (m_asOf->text().trimmed().toStdString() != sheet.as_of) m_asOf->setText(qs(sheet.as_of));
    }
    m_rows->syncRows(int(sheet.models.size()), [&](int row) { syncRow(row, sheet.models[std::size_t(row)]); });
    m_rows->markProblems(m_draft.errors());
    const bool dateInvalid = std::any_of(m_draft.errors().begin(), m_draft.errors().end(),
                                         [](const sb::ConfigError& error) { return error.path.rfind('[', 0) != 0; });
    m_asOf->setStyleSheet(dateInvalid ? invalidCellStyle() : QString());
    m_rows->showHint(problemLines());
}

// The problems of the whole sheet, rows named by their model (or numbered from 1 on screen, as
// in the table's row header).
QStringList PricesEditor::problemLines() const {
    const auto& models = m_draft.draft().models;
    QStringList lines;
    for (const auto& error : m_draft.errors()) {
        if (error.path.rfind('[', 0) != 0) {
            lines << qs(error.to_string());
            continue;
        }
        const int row = std::atoi(error.path.c_str() + 1);
        const QString name = row < int(models.size()) && !models[std::size_t(row)].model.empty()
                                 ? qs(models[std::size_t(row)].model)
                                 : tr("row %1").arg(row + 1);
        const auto dot = error.path.find('.');
        lines << QStringLiteral("%1 %2: %3").arg(name, qs(error.path.substr(dot + 1)), qs(error.rule));
    }
    return lines;
}

int PricesEditor::rowCount() const { return m_rows->rowCount(); }
int PricesEditor::currentRow() const { return m_rows->currentRow(); }
QLineEdit* PricesEditor::modelEdit(int row) const { return m_rows->cell<QLineEdit>(row, ModelColumn); }
QDoubleSpinBox* PricesEditor::priceBox(int row, Column column) const {
    switch (column) {
    case InputColumn:
    case CachedInputColumn:
    case OutputColumn: return m_rows->cell<QDoubleSpinBox>(row, column);
    default: return nullptr;
    }
}
QLineEdit* PricesEditor::sourceEdit(int row) const { return m_rows->cell<QLineEdit>(row, SourceColumn); }
QPushButton* PricesEditor::addButton() const { return m_rows->addButton(); }
QPushButton* PricesEditor::removeButton() const { return m_rows->removeButton(); }
QTableWidget* PricesEditor::table() const { return m_rows->table(); }
QString PricesEditor::hintText() const { return m_rows->hintText(); }
bool PricesEditor::rowMarkedInvalid(int row) const { return m_rows->rowMarkedInvalid(row); }
