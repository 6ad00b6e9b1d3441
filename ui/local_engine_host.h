#pragma once
// The console on an engine in this process: the Engine, the console's view of it
// (LocalConsole) and the Qt bridge the pages take, built in order and torn down in reverse
// (pages first, then demo traffic, then every request in flight finishes).
#include <QString>

#include <expected>
#include <memory>

#include "console/local_console.h"
#include "engine/engine.h"
#include "engine_bridge.h"

class LocalEngineHost final {
public:
    static std::expected<std::unique_ptr<LocalEngineHost>, QString> create(sb::EngineOptions options);
    ~LocalEngineHost();

    LocalEngineHost(const LocalEngineHost&) = delete;
    LocalEngineHost& operator=(const LocalEngineHost&) = delete;

    // What a gateway served from this process runs on; pages use bridge().
    sb::Engine& engine() { return *m_engine; }
    sb::LocalConsole& console() { return *m_console; }
    EngineBridge& bridge() { return *m_bridge; }
    operator EngineBridge&() { return *m_bridge; }

private:
    explicit LocalEngineHost(std::unique_ptr<sb::Engine> engine);

    std::unique_ptr<sb::Engine> m_engine;
    std::unique_ptr<sb::LocalConsole> m_console;
    std::unique_ptr<EngineBridge> m_bridge;
};
