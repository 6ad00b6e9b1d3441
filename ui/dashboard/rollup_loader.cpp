#include "dashboard/rollup_loader.h"

#include <QMetaObject>

#include <memory>

RollupLoader::RollupLoader(OpenSource open, Handler handler, QObject* parent)
    : QObject(parent), m_open(std::move(open)), m_handler(std::move(handler)), m_thread([this] { run(); }) {}

RollupLoader::~RollupLoader() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_one();
    m_thread.join();  // before QObject's destructor drops any result still queued for us
}

quint64 RollupLoader::request(qint64 sinceMs, qint64 untilMs) {
    quint64 ticket;
    {
        std::lock_guard lock(m_mutex);
        ticket = ++m_ticket;
        m_next = Job{ticket, sinceMs, untilMs};
    }
    m_wake.notify_one();
    return ticket;
}

bool RollupLoader::busy() const {
    std::lock_guard lock(m_mutex);
    return m_delivered != m_ticket;
}

void RollupLoader::run() {
    // The source lives on this thread only; kept between jobs.
    const std::unique_ptr<sb::HistorySource> source = m_open();
    for (;;) {
        Job job;
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [this] { return m_stop || m_next.has_value(); });
            if (m_stop) return;
            job = *m_next;
            m_next.reset();
        }
        auto result = std::make_shared<Result>();
        result->ticket = job.ticket;
        result->sinceMs = job.sinceMs;
        result->untilMs = job.untilMs;
        if (auto rows = source->rollups(job.sinceMs, job.untilMs))
            result->rows = std::move(*rows);
        else
            result->error = QString::fromStdString(rows.error());
        QMetaObject::invokeMethod(
            this,
            [this, result] {
                {
                    std::lock_guard lock(m_mutex);
                    m_delivered = result->ticket;
                }
                m_handler(*result);
            },
            Qt::QueuedConnection);
    }
}
