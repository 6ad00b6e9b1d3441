#include "history/history_query_worker.h"

#include <QSaveFile>

#include "history/history_csv.h"

namespace {

constexpr int kExportPageRows = 2000;

QString errorText(const sb::StoreError& error) { return QString::fromStdString(error.message); }

}  // namespace

HistoryQueryWorker::HistoryQueryWorker(QString databasePath, const sb::FieldCipher* cipher)
    : m_databasePath(std::move(databasePath)), m_cipher(cipher) {}

void HistoryQueryWorker::openText(sb::HistoryRecord& record) const {
    for (std::string* text : {&record.prompt_text, &record.response_text}) {
        if (!sb::FieldCipher::is_encrypted(*text)) continue;
        auto plain = m_cipher ? m_cipher->decrypt(*text)
                              : std::expected<std::string, std::string>(std::unexpected("privacy.encrypt_history is off"));
        *text = plain ? std::move(*plain) : "[encrypted text: " + plain.error() + "]";
    }
}

sb::HistoryReader* HistoryQueryWorker::reader(QString& error) {
    if (!m_reader) {
        auto opened = sb::HistoryReader::open(m_databasePath.toStdString());
        if (!opened) {
            error = errorText(opened.error());
            return nullptr;
        }
        m_reader.emplace(std::move(*opened));
    }
    return &*m_reader;
}

void HistoryQueryWorker::runPage(const HistoryPageRequest& request) {
    if (stale(request.generation))
        return;
    HistoryPageResult result;
    result.generation = request.generation;
    result.kind = request.kind;
    if (sb::HistoryReader* r = reader(result.error)) {
        auto page = r->page(request.filter, request.after, request.limit);
        if (page) {
            result.rows = std::move(page->rows);
            for (auto& row : result.rows) openText(row);
            result.next = page->next;
        } else {
            result.error = errorText(page.error());
        }
    }
    emit pageReady(result);
}

void HistoryQueryWorker::runCount(quint64 generation, const sb::HistoryFilter& filter) {
    if (stale(generation))
        return;
    QString error;
    if (sb::HistoryReader* r = reader(error)) {
        auto count = r->count(filter);
        if (count) {
            emit countReady(generation, *count);
            return;
        }
        error = errorText(count.error());
    }
    emit countFailed(generation, error);
}

void HistoryQueryWorker::runExport(const sb::HistoryFilter& filter, const QString& path) {
    HistoryExportResult result;
    result.path = path;
    // QSaveFile: a failed or stopped export never leaves a half-written file under the name.
    QSaveFile file(path);
    sb::HistoryReader* r = reader(result.error);
    if (r && !file.open(QIODevice::WriteOnly))
        result.error = file.errorString();
    if (r && result.error.isEmpty()) {
        file.write(history_csv::header());
        std::optional<sb::HistoryCursor> after;
        do {
            if (m_stopping.load()) {
                result.error = tr("Export stopped");
                break;
            }
            auto page = r->page(filter, after, kExportPageRows);
            if (!page) {
                result.error = errorText(page.error());
                break;
            }
            for (sb::HistoryRecord& record : page->rows) {
                openText(record);
                file.write(history_csv::row(record));
            }
            result.rows += static_cast<qint64>(page->rows.size());
            after = page->next;
            emit exportProgress(result.rows);
        } while (after);
        if (result.error.isEmpty() && !file.commit())
            result.error = file.errorString();
    }
    emit exportFinished(result);
}
