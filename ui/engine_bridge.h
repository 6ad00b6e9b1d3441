#pragma once
// The one QObject that owns the Engine and adapts it to Qt. Engine callbacks run on engine
// threads; they reach widgets only through queued calls on a context object, and a stream's
// deltas are coalesced (an atomic "pending" flag: at most one queued call per request is in
// the event queue at a time), so the event queue cannot grow with traffic. Metrics are not
// pushed: pages pull snapshots on their own timers.
#include <QObject>
#include <QString>

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <vector>

#include "engine/demo_traffic.h"
#include "engine/engine.h"
#include "metrics/metrics_registry.h"

class EngineBridge final : public QObject {
    Q_OBJECT
public:
    using DeltaHandler = std::function<void(const QString& text)>;  // text since the previous call
    using DoneHandler = std::function<void(const sb::RequestResult& result)>;

    static std::expected<std::unique_ptr<EngineBridge>, QString> create(sb::EngineOptions options,
                                                                       QObject* parent = nullptr);
    ~EngineBridge() override;

    sb::Engine& engine() { return *m_engine; }
    // As the engine started; providers() is the live provider set.
    const sb::Config& config() const { return m_engine->config(); }
    std::vector<sb::ProviderConfig> providers() const { return *m_engine->providers(); }
    // Engine::apply_providers(), then providersChanged() when the set was swapped.
    std::expected<void, std::vector<sb::ConfigError>> applyProviders(std::vector<sb::ProviderConfig> providers);
    bool demoMode() const { return m_engine->demo_mode(); }
    QString databasePath() const;

    // In-memory, cheap: safe to call from the UI thread a few times a second.
    sb::MetricsSnapshot snapshot(std::chrono::milliseconds window, std::chrono::milliseconds resolution) const;

    // Handlers run on `context`'s thread; nothing runs if `context` is gone by then.
    QString submit(sb::ChatRequest request, QObject* context, DeltaHandler onDelta, DoneHandler onDone);
    void cancel(const QString& requestId);

    sb::DemoTraffic& demoTraffic() { return *m_demo; }

signals:
    void providersChanged();  // pages listing providers (targets, names) refresh

private:
    explicit EngineBridge(std::unique_ptr<sb::Engine> engine, QObject* parent);

    std::unique_ptr<sb::Engine> m_engine;
    std::unique_ptr<sb::DemoTraffic> m_demo;
};
