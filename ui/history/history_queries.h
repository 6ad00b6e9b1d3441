#pragma once
// Owns one HistoryQueryWorker and the thread it runs on; the UI-side entry point for queries.
// Results arrive through the worker's signals, queued to the receiver's thread.
#include <QString>
#include <QThread>

#include "history/history_query_worker.h"

class HistoryQueries final {
public:
    explicit HistoryQueries(std::unique_ptr<sb::HistorySource> source);
    ~HistoryQueries();  // stops an export, skips queued queries, waits for the running one
    HistoryQueries(const HistoryQueries&) = delete;
    HistoryQueries& operator=(const HistoryQueries&) = delete;

    HistoryQueryWorker* worker() const { return m_worker; }

    void page(const HistoryPageRequest& request);
    void count(quint64 generation, const sb::HistoryFilter& filter);
    void exportCsv(const sb::HistoryFilter& filter, const QString& path);
    void setLatestGeneration(quint64 generation) { m_worker->setLatestGeneration(generation); }

private:
    QThread m_thread;
    HistoryQueryWorker* m_worker;  // lives on m_thread; deleted there when it finishes
};
