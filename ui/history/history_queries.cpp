#include "history/history_queries.h"

HistoryQueries::HistoryQueries(std::unique_ptr<sb::HistorySource> source)
    : m_worker(new HistoryQueryWorker(std::move(source))) {
    qRegisterMetaType<HistoryPageResult>();
    qRegisterMetaType<HistoryExportResult>();
    m_thread.setObjectName(QStringLiteral("history-queries"));
    m_worker->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread.start();
}

HistoryQueries::~HistoryQueries() {
    m_worker->stop();
    m_thread.quit();
    m_thread.wait();
}

void HistoryQueries::page(const HistoryPageRequest& request) {
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, request] { worker->runPage(request); });
}

void HistoryQueries::count(quint64 generation, const sb::HistoryFilter& filter) {
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, generation, filter] { worker->runCount(generation, filter); });
}

void HistoryQueries::exportCsv(const sb::HistoryFilter& filter, const QString& path) {
    QMetaObject::invokeMethod(m_worker, [worker = m_worker, filter, path] { worker->runExport(filter, path); });
}
