#pragma once
// Reads per-minute rollups (from SQLite, or from a gateway across the network) on its own
// thread, so the UI thread never waits on the disk or the network. One job at a time; a newer request replaces one that has not started. The
// result is handed back with a queued call and runs on this object's thread.
#include <QObject>
#include <QString>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "console/history_source.h"
#include "store/history_query.h"

class RollupLoader final : public QObject {
    Q_OBJECT
public:
    struct Result {
        quint64 ticket = 0;
        qint64 sinceMs = 0, untilMs = 0;
        std::vector<sb::RollupRow> rows;
        QString error;  // empty on success
    };
    using Handler = std::function<void(const Result&)>;

    using OpenSource = std::function<std::unique_ptr<sb::HistorySource>()>;  // called on the loader's thread
    RollupLoader(OpenSource open, Handler handler, QObject* parent = nullptr);
    ~RollupLoader() override;  // joins the worker

    // Returns the ticket the result will carry.
    quint64 request(qint64 sinceMs, qint64 untilMs);
    bool busy() const;  // a requested result has not been delivered yet

private:
    struct Job {
        quint64 ticket;
        qint64 sinceMs, untilMs;
    };
    void run();

    const OpenSource m_open;
    Handler m_handler;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::optional<Job> m_next;
    bool m_stop = false;
    quint64 m_ticket = 0;     // the newest request
    quint64 m_delivered = 0;  // the newest result handed to the handler
    std::thread m_thread;
};
