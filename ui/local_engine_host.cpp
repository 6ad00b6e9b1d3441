// LocalEngineHost: an Engine in this process with the console's view of it.
#include "local_engine_host.h"

LocalEngineHost::LocalEngineHost(std::unique_ptr<sb::Engine> engine)
    : m_engine(std::move(engine)),
      m_console(std::make_unique<sb::LocalConsole>(*m_engine)),
      m_bridge(std::make_unique<EngineBridge>(*m_console)) {}

LocalEngineHost::~LocalEngineHost() {
    m_bridge.reset();
    m_console.reset();  // no more demo submissions…
    m_engine.reset();   // …then every request in flight finishes (its handlers are dropped: no event loop turn)
}

std::expected<std::unique_ptr<LocalEngineHost>, QString> LocalEngineHost::create(sb::EngineOptions options) {
    auto engine = sb::Engine::create(std::move(options));
    if (!engine) return std::unexpected(QString::fromStdString(engine.error()));
    return std::unique_ptr<LocalEngineHost>(new LocalEngineHost(std::move(*engine)));
}
