#pragma once
// The console's engine, adapted to Qt: wraps the ConsoleApi the pages use (an engine in this
// process, or one reached over the network). Engine callbacks and replies run on other
// threads; they reach widgets only through queued calls on a context object, and a stream's
// deltas are coalesced (an atomic "pending" flag: at most one queued call per request is in
// the event queue at a time), so the event queue cannot grow with traffic. Metrics are not
// pushed: pages pull snapshots on their own timers.
#include <QMetaObject>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "console/console_api.h"

class EngineBridge final : public QObject {
    Q_OBJECT
public:
    using DeltaHandler = std::function<void(const QString& text)>;  // text since the previous call
    using DoneHandler = std::function<void(const sb::RequestResult& result)>;

    explicit EngineBridge(sb::ConsoleApi& api, QObject* parent = nullptr);

    sb::ConsoleApi& api() { return m_api; }
    const sb::ConsoleApi& api() const { return m_api; }

    // As the engine started; providers() is the live provider set.
    sb::Config config() const { return m_api.started_config(); }
    std::vector<sb::ProviderConfig> providers() const { return m_api.providers(); }
    // ConsoleApi::apply_providers(), then providersChanged() when the set was swapped.
    void applyProviders(std::vector<sb::ProviderConfig> providers, QObject* context,
                        std::function<void(sb::ConsoleResult<void>)> done);
    bool demoMode() const { return m_api.demo_mode(); }
    QString databasePath() const;  // empty when the history is not on this machine

    // Cheap: safe to call from the UI thread a few times a second.
    sb::MetricsSnapshot snapshot(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const;

    // Handlers run on `context`'s thread; nothing runs if `context` is gone by then.
    QString submit(sb::ChatRequest request, QObject* context, DeltaHandler onDelta, DoneHandler onDone);
    void cancel(const QString& requestId);

    // A reply that runs `handler` on `context`'s thread (at once when it arrives there), and
    // not at all once `context` is gone.
    template <class T>
    static sb::ConsoleReply<T> onThreadOf(QObject* context, std::function<void(sb::ConsoleResult<T>)> handler) {
        return [guard = QPointer<QObject>(context), handler = std::move(handler)](sb::ConsoleResult<T> result) {
            if (!guard) return;
            if (QThread::currentThread() == guard->thread()) return handler(std::move(result));
            QMetaObject::invokeMethod(
                guard.data(),
                [handler, result = std::make_shared<sb::ConsoleResult<T>>(std::move(result))] { handler(std::move(*result)); },
                Qt::QueuedConnection);
        };
    }

signals:
    void providersChanged();  // pages listing providers (targets, names) refresh

private:
    sb::ConsoleApi& m_api;
};
