#include "engine_bridge.h"

#include <QMetaObject>
#include <QPointer>

#include <atomic>
#include <mutex>

EngineBridge::EngineBridge(std::unique_ptr<sb::Engine> engine, QObject* parent)
    : QObject(parent), m_engine(std::move(engine)), m_demo(std::make_unique<sb::DemoTraffic>(*m_engine)) {}

EngineBridge::~EngineBridge() {
    m_demo->stop();   // no more submissions…
    m_engine.reset();  // …then every request in flight finishes (its handlers are dropped: no event loop turn)
}

std::expected<std::unique_ptr<EngineBridge>, QString> EngineBridge::create(sb::EngineOptions options, QObject* parent) {
    auto engine = sb::Engine::create(std::move(options));
    if (!engine) return std::unexpected(QString::fromStdString(engine.error()));
    return std::unique_ptr<EngineBridge>(new EngineBridge(std::move(*engine), parent));
}

std::expected<void, std::vector<sb::ConfigError>> EngineBridge::applyProviders(std::vector<sb::ProviderConfig> providers) {
    auto applied = m_engine->apply_providers(std::move(providers));
    if (applied) emit providersChanged();
    return applied;
}

QString EngineBridge::databasePath() const { return QString::fromStdString(m_engine->database_path().string()); }

sb::MetricsSnapshot EngineBridge::snapshot(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const {
    return m_engine->metrics().recent(window, resolution);
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

    sb::Engine::DeltaCallback on_delta;
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
    return QString::fromStdString(m_engine->submit(std::move(request), std::move(on_done), std::move(on_delta)));
}

void EngineBridge::cancel(const QString& requestId) { m_engine->cancel(requestId.toStdString()); }
