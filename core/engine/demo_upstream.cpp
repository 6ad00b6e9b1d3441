#include "engine/demo_upstream.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/embedded_resources.h"
#include "simulator/simulator.h"
#include "simulator/simulator_profile.h"

namespace sb {

DemoUpstream::DemoUpstream(std::unique_ptr<Simulator> simulator, std::uint16_t port)
    : m_simulator(std::move(simulator)), m_port(port) {}

DemoUpstream::~DemoUpstream() = default;

void DemoUpstream::serve(std::vector<ProviderConfig>& providers) const {
    const std::string base_url = "http://127.0.0.1:" + std::to_string(m_port) + "/v1";
    for (auto& provider : providers) {
        if (!provider.simulated) continue;
        provider.base_url = base_url;
        provider.api_key.clear();
    }
}

namespace {
std::expected<std::string, std::string> profile_text(const Config& config, const std::string& profile_json) {
    if (!profile_json.empty()) return profile_json;
    if (config.demo.profile.empty()) return std::string(embedded_demo_profile());
    std::ifstream in(config.demo.profile, std::ios::binary);
    if (!in) return std::unexpected("demo.profile: cannot read " + config.demo.profile);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}
}  // namespace

std::expected<std::unique_ptr<DemoUpstream>, std::string> start_demo_upstream(Config& config,
                                                                              const std::string& profile_json) {
    const bool any = std::any_of(config.providers.begin(), config.providers.end(),
                                 [](const ProviderConfig& p) { return p.simulated && p.enabled; });
    if (!any) return nullptr;

    auto text = profile_text(config, profile_json);
    if (!text) return std::unexpected(text.error());
    const auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded()) return std::unexpected("demo profile is not valid JSON");
    auto profile = parse_simulator_profile(json);
    if (!profile) return std::unexpected("demo profile: " + profile.error());

    auto simulator = std::make_unique<Simulator>(std::move(*profile));
    auto port = simulator->start(0);
    if (!port) return std::unexpected("cannot start the demo simulator: " + port.error());

    auto upstream = std::make_unique<DemoUpstream>(std::move(simulator), *port);
    upstream->serve(config.providers);
    return upstream;
}

}  // namespace sb
