#pragma once
// Runs history queries on its own thread with its own sb::HistorySource (from the console's
// engine interface), so the UI thread never waits on the disk or the network. Requests carry a generation: a request older than the latest generation is
// skipped before it runs, and the receiver drops any result whose generation is stale.
#include <QObject>
#include <QString>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "console/history_source.h"

enum class HistoryRequestKind { Append, Tail };

struct HistoryPageRequest {
    quint64 generation = 0;
    HistoryRequestKind kind = HistoryRequestKind::Append;
    sb::HistoryFilter filter;
    std::optional<sb::HistoryCursor> after;
    int limit = 500;
};

struct HistoryPageResult {
    quint64 generation = 0;
    HistoryRequestKind kind = HistoryRequestKind::Append;
    std::vector<sb::HistoryRecord> rows;
    std::optional<sb::HistoryCursor> next;
    QString error;  // empty on success
};

struct HistoryExportResult {
    QString path;
    qint64 rows = 0;
    QString error;  // empty on success
};

Q_DECLARE_METATYPE(HistoryPageResult)
Q_DECLARE_METATYPE(HistoryExportResult)

class HistoryQueryWorker final : public QObject {
    Q_OBJECT
public:
    explicit HistoryQueryWorker(std::unique_ptr<sb::HistorySource> source);

    // Called from any thread: requests of older generations are skipped without running.
    void setLatestGeneration(quint64 generation) { m_latest.store(generation); }
    // Called from any thread: queued requests are skipped, a running export stops at its next page.
    void stop() { m_stopping.store(true); }

    // These run on the worker's thread (queued there with QMetaObject::invokeMethod).
    void runPage(const HistoryPageRequest& request);
    void runCount(quint64 generation, const sb::HistoryFilter& filter);
    void runExport(const sb::HistoryFilter& filter, const QString& path);

signals:
    void pageReady(const HistoryPageResult& result);
    void countReady(quint64 generation, qint64 count);
    void countFailed(quint64 generation, const QString& error);
    void exportProgress(qint64 rows);
    void exportFinished(const HistoryExportResult& result);

private:
    bool stale(quint64 generation) const { return m_stopping.load() || generation < m_latest.load(); }

    const std::unique_ptr<sb::HistorySource> m_source;
    std::atomic<quint64> m_latest{0};
    std::atomic<bool> m_stopping{false};
};
