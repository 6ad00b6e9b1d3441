// EngineBridge: the console's engine interface adapted to Qt threads.
#include "engine_bridge.h"

#include <QMetaObject>
#include <QPointer>

#include <atomic>
#include <mutex>

EngineBridge::EngineBridge(sb::ConsoleApi& api, QObject* parent) : QObject(parent), m_api(api) {}

void EngineBridge::applyProviders(std::vector<sb::ProviderConfig> providers, QObject* context,
                                  std::function<void(sb::ConsoleResult<void>)> done) {
    m_api.apply_providers(std::move(providers),
                          onThreadOf<void>(context, [this, done = std::move(done)](sb::ConsoleResult<void> applied) {
                              if (applied) emit providersChanged();
                              if (done) done(std::move(applied));
                          }));
}

QString EngineBridge::databasePath() const {
    const auto history = m_api.local_history();
    return history ? QString::fromStdString(history->database.string()) : QString();
}

sb::MetricsSnapshot EngineBridge::snapshot(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const {
    return m_api.metrics(window, resolution);
}

namespace {
// Deltas of one stream, handed from the transport thread to the context's thread.
struct DeltaBuffer {
    std::mutex mutex;
    std::string text;
    std::atomic<bool> pending{false};
};
}  // namespace

QString EngineBridge::submit(sb::ChatRequest request, QObject* context, DeltaHandler onDelta, DoneHandler onDone) {
    QPointer<QObject> guard(context);
    auto buffer = std::make_shared<DeltaBuffer>();
    auto shared_delta = std::make_shared<DeltaHandler>(std::move(onDelta));

    // Drains the buffer on the context's thread; also called before `done` so no text is lost.
    auto flush = [buffer, shared_delta] {
        std::string text;
        {
            std::lock_guard lock(buffer->mutex);
            text.swap(buffer->text);
            buffer->pending = false;
        }
        if (!text.empty() && *shared_delta) (*shared_delta)(QString::fromStdString(text));
    };

    sb::ConsoleApi::DeltaCallback on_delta;
    if (*shared_delta) {
        on_delta = [buffer, guard, flush](const sb::StreamDelta& delta) {
            if (delta.content.empty()) return;
            {
                std::lock_guard lock(buffer->mutex);
                buffer->text += delta.content;
            }
            if (!buffer->pending.exchange(true) && guard)
                QMetaObject::invokeMethod(guard.data(), flush, Qt::QueuedConnection);
        };
    }
    auto on_done = [guard, flush, done = std::move(onDone)](sb::RequestResult&& result) {
        if (!guard) return;
        QMetaObject::invokeMethod(
            guard.data(),
            [flush, done, result = std::make_shared<sb::RequestResult>(std::move(result))] {
                flush();
                if (done) done(*result);
            },
            Qt::QueuedConnection);
    };
    return QString::fromStdString(m_api.submit(std::move(request), std::move(on_done), std::move(on_delta)));
}

void EngineBridge::cancel(const QString& requestId) { m_api.cancel(requestId.toStdString()); }
