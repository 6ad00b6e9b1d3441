#include "history/history_query_worker.h"

#include <QSaveFile>

#include "history/history_csv.h"

namespace {

constexpr int kExportPageRows = 2000;

QString errorText(const std::string& error) { return QString::fromStdString(error); }

}  // namespace

HistoryQueryWorker::HistoryQueryWorker(std::unique_ptr<sb::HistorySource> source) : m_source(std::move(source)) {}

void HistoryQueryWorker::runPage(const HistoryPageRequest& request) {
    if (stale(request.generation))
        return;
    HistoryPageResult result;
    result.generation = request.generation;
    result.kind = request.kind;
    if (auto page = m_source->page(request.filter, request.after, request.limit)) {
        result.rows = std::move(page->rows);
        result.next = page->next;
    } else {
        result.error = errorText(page.error());
    }
    emit pageReady(result);
}

void HistoryQueryWorker::runCount(quint64 generation, const sb::HistoryFilter& filter) {
    if (stale(generation))
        return;
    if (auto count = m_source->count(filter)) return emit countReady(generation, *count);
    else emit countFailed(generation, errorText(count.error()));
}

void HistoryQueryWorker::runExport(const sb::HistoryFilter& filter, const QString& path) {
    HistoryExportResult result;
    result.path = path;
    // QSaveFile: a failed or stopped export never leaves a half-written file under the name.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        result.error = file.errorString();
    if (result.error.isEmpty()) {
        file.write(history_csv::header());
        std::optional<sb::HistoryCursor> after;
        do {
            if (m_stopping.load()) {
                result.error = tr("Export stopped");
                break;
            }
            auto page = m_source->page(filter, after, kExportPageRows);
            if (!page) {
                result.error = errorText(page.error());
                break;
            }
            for (const sb::HistoryRecord& record : page->rows) file.write(history_csv::row(record));
            result.rows += static_cast<qint64>(page->rows.size());
            after = page->next;
            emit exportProgress(result.rows);
        } while (after);
        if (result.error.isEmpty() && !file.commit())
            result.error = file.errorString();
    }
    emit exportFinished(result);
}
