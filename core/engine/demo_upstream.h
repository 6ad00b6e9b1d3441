#pragma once
// Demo mode: providers with no key (or no URL) are served by the built-in simulator over
// real loopback HTTP, so every page and test works on a fresh machine.
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

namespace sb {

class Simulator;

class DemoUpstream {
public:
    explicit DemoUpstream(std::unique_ptr<Simulator> simulator, std::uint16_t port);
    ~DemoUpstream();
    std::uint16_t port() const { return m_port; }
    Simulator& simulator() { return *m_simulator; }
    // Points the simulated providers of `providers` at the simulator (base_url; no key).
    void serve(std::vector<ProviderConfig>& providers) const;

private:
    std::unique_ptr<Simulator> m_simulator;
    std::uint16_t m_port;
};

// Starts the simulator if any provider in `config` is simulated and points those providers
// at it (rewriting base_url, clearing the key). Returns null when no provider is simulated.
// `profile_json` empty = config.demo.profile file, then the built-in demo profile.
std::expected<std::unique_ptr<DemoUpstream>, std::string> start_demo_upstream(Config& config,
                                                                              const std::string& profile_json);

}  // namespace sb
