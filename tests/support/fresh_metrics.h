#pragma once
// The Prometheus text of a fresh engine on the shipped config, before any request, with no
// environment and no history: what a scrape of a just-started instance returns.
#include <QtTest>

#include <optional>
#include <string>

#include "config/config.h"
#include "engine/engine.h"

namespace sb::test {

struct FreshScrape {
    Config config;  // the shipped config the engine ran on
    std::string text;
};

inline FreshScrape fresh_prometheus_text() {
    auto config = default_config([](const std::string&) { return std::optional<std::string>(); });
    if (!config) qFatal("the shipped config does not load");
    EngineOptions options;
    options.config = *config;
    options.history = false;
    auto created = Engine::create(std::move(options));
    if (!created) qFatal("engine: %s", created.error().c_str());
    return {std::move(*config), (*created)->prometheus_text()};
}

}  // namespace sb::test
