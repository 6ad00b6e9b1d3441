#include "history/history_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "engine_bridge.h"
#include "history/history_detail.h"
#include "history/history_model.h"
#include "history/history_queries.h"

namespace {

constexpr qint64 kMinute = 60'000;

struct RangePreset {
    const char* label;
    qint64 span_ms;  // 0: all time
};

constexpr RangePreset kRanges[] = {
    {QT_TRANSLATE_NOOP("HistoryPage", "Last 15 min"), 15 * kMinute},
    {QT_TRANSLATE_NOOP("HistoryPage", "Last hour"), 60 * kMinute},
    {QT_TRANSLATE_NOOP("HistoryPage", "Last 24 h"), 24 * 60 * kMinute},
    {QT_TRANSLATE_NOOP("HistoryPage", "Last 7 days"), 7 * 24 * 60 * kMinute},
    {QT_TRANSLATE_NOOP("HistoryPage", "All time"), 0},
};
constexpr int kDefaultRange = 4;  // "All time": a fresh install should not look empty

std::string text(const QLineEdit* edit) { return edit->text().trimmed().toStdString(); }

}  // namespace

HistoryPage::HistoryPage(EngineBridge& bridge, QWidget* parent)
    : HistoryPage([&api = bridge.api()] { return api.open_history(); }, parent) {}

HistoryPage::HistoryPage(OpenSource openSource, QWidget* parent)
    : QWidget(parent), m_openSource(std::move(openSource)), m_model(new HistoryModel(m_openSource(), this)) {
    buildUi();
    applyFilterBar();
}

HistoryPage::~HistoryPage() = default;

void HistoryPage::buildUi() {
    m_range = new QComboBox;
    for (const RangePreset& preset : kRanges)
        m_range->addItem(tr(preset.label), preset.span_ms);
    m_range->setCurrentIndex(kDefaultRange);
    m_provider = new QLineEdit;
    m_provider->setPlaceholderText(tr("provider"));
    m_modelName = new QLineEdit;
    m_modelName->setPlaceholderText(tr("model"));
    m_status = new QComboBox;
    m_status->addItem(tr("any status"), -1);
    m_status->addItem(tr("ok"), static_cast<int>(sb::RequestStatus::Ok));
    m_status->addItem(tr("error"), static_cast<int>(sb::RequestStatus::Error));
    m_status->addItem(tr("cancelled"), static_cast<int>(sb::RequestStatus::Cancelled));
    m_errorClass = new QLineEdit;
    m_errorClass->setPlaceholderText(tr("error class"));
    m_text = new QLineEdit;
    m_text->setPlaceholderText(tr("text in prompt or response"));
    m_text->setClearButtonEnabled(true);
    auto* apply = new QPushButton(tr("Apply"));

    auto* filterBar = new QHBoxLayout;
    filterBar->addWidget(m_range);
    filterBar->addWidget(m_provider);
    filterBar->addWidget(m_modelName);
    filterBar->addWidget(m_status);
    filterBar->addWidget(m_errorClass);
    filterBar->addWidget(m_text, 2);
    filterBar->addWidget(apply);
    for (QLineEdit* edit : {m_provider, m_modelName, m_errorClass, m_text})
        connect(edit, &QLineEdit::returnPressed, this, &HistoryPage::applyFilterBar);
    connect(apply, &QPushButton::clicked, this, &HistoryPage::applyFilterBar);

    m_tail = new QCheckBox(tr("Live tail"));
    m_countLabel = new QLabel;
    m_statusLabel = new QLabel;
    m_exportButton = new QPushButton(tr("Export CSV…"));
    auto* actionBar = new QHBoxLayout;
    actionBar->addWidget(m_tail);
    actionBar->addWidget(m_countLabel);
    actionBar->addStretch(1);
    actionBar->addWidget(m_statusLabel);
    actionBar->addWidget(m_exportButton);
    connect(m_tail, &QCheckBox::toggled, m_model, &HistoryModel::setLiveTail);
    connect(m_exportButton, &QPushButton::clicked, this, &HistoryPage::chooseExportFile);

    m_view = new QTableView;
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setWordWrap(false);
    // Fixed row heights and column widths: nothing ever measures a million rows.
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(HistoryModel::Time, m_view->fontMetrics().horizontalAdvance(QStringLiteral("0000-00-00 00:00:00.000")) + 16);
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, m_model,
            [this](int value) { m_model->setViewAtTop(value == 0); });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showDetail(current.row()); });

    m_detail = new QPlainTextEdit;
    m_detail->setReadOnly(true);
    m_detail->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_detail->setPlaceholderText(tr("Select a request to see its timings, prompt and response."));

    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(m_view);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(filterBar);
    layout->addLayout(actionBar);
    layout->addWidget(splitter, 1);

    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_countLabel->setText(tr("counting…"));
        m_detail->clear();
    });
    connect(m_model, &HistoryModel::totalCountChanged, this,
            [this](qint64 count) { m_countLabel->setText(tr("%1 rows").arg(QLocale().toString(count))); });
    connect(m_model, &HistoryModel::queryFailed, this,
            [this](const QString& error) { m_statusLabel->setText(tr("Query failed: %1").arg(error)); });
}

sb::HistoryFilter HistoryPage::filterFromBar() const {
    sb::HistoryFilter filter;
    if (const qint64 span = m_range->currentData().toLongLong(); span > 0)
        filter.since_ms = QDateTime::currentMSecsSinceEpoch() - span;
    filter.provider = text(m_provider);
    filter.model = text(m_modelName);
    if (const int status = m_status->currentData().toInt(); status >= 0)
        filter.status = static_cast<sb::RequestStatus>(status);
    filter.error_class = text(m_errorClass);
    // Not trimmed: a search for " 502" means the space.
    filter.text_contains = m_text->text().toStdString();
    return filter;
}

void HistoryPage::setFilter(const sb::HistoryFilter& filter) {
    m_statusLabel->clear();
    m_model->setFilter(filter);
}

// The tail polls only while someone can see its rows: a hidden page counts as scrolled away.
void HistoryPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    m_model->setViewAtTop(m_view->verticalScrollBar()->value() == 0);
}

void HistoryPage::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    m_model->setViewAtTop(false);
}

void HistoryPage::setLiveTail(bool enabled) { m_tail->setChecked(enabled); }

void HistoryPage::selectRow(int row) { m_view->selectRow(row); }

QString HistoryPage::detailText() const { return m_detail->toPlainText(); }

void HistoryPage::showDetail(int row) {
    const sb::HistoryRecord* record = m_model->record(row);
    if (record)
        m_detail->setPlainText(history_detail::describe(*record));
    else
        m_detail->clear();
}

void HistoryPage::chooseExportFile() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export history as CSV"),
                                                      QStringLiteral("switchboard-history.csv"),
                                                      tr("CSV files (*.csv)"));
    if (!path.isEmpty())
        exportCsv(path);
}

bool HistoryPage::exportCsv(const QString& path) {
    if (m_exporting)
        return false;
    if (!m_exporter) {
        m_exporter = std::make_unique<HistoryQueries>(m_openSource());
        connect(m_exporter->worker(), &HistoryQueryWorker::exportProgress, this,
                [this](qint64 rows) { m_statusLabel->setText(tr("Exporting… %1 rows").arg(QLocale().toString(rows))); });
        connect(m_exporter->worker(), &HistoryQueryWorker::exportFinished, this, &HistoryPage::onExportFinished);
    }
    m_exporting = true;
    m_exportButton->setEnabled(false);
    m_statusLabel->setText(tr("Exporting…"));
    m_exporter->exportCsv(m_model->filter(), path);
    return true;
}

void HistoryPage::onExportFinished(const HistoryExportResult& result) {
    m_exporting = false;
    m_exportButton->setEnabled(true);
    m_statusLabel->setText(result.error.isEmpty()
                               ? tr("Exported %1 rows to %2").arg(QLocale().toString(result.rows)).arg(result.path)
                               : tr("Export failed: %1").arg(result.error));
    emit exportFinished(result.path, result.rows, result.error);
}
