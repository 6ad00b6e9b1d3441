#pragma once
// The providers being edited on the Providers page, staged against the live set: the form
// changes the draft through edit(), and after each change the whole draft is checked as a
// config load checks it (config/provider_check: the same rules and "providers[2].base_url: …"
// messages, with the live routing and the rest of the running config), so a draft that
// passes is one a restart would accept too. Only Apply (on the page) hands it to the engine.
// A key typed for a provider waits in the draft until Apply stores it in the encrypted secret
// store; from then on the provider names it as "secret:<provider name>".
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/draft.h"
#include "common/staged_draft.h"
#include "config/config.h"

// One provider as edited: its settings as written (base_url_ref, api_key_ref; the resolved
// fields are what the engine runs with) and a key typed for it but not stored yet.
struct ProviderEntry {
    sb::ProviderConfig config;
    std::string typed_key;  // never shown
    bool operator==(const ProviderEntry&) const = default;
};
using ProviderSheet = std::vector<ProviderEntry>;

// The provider as the config file holds it: a typed key is referred to as "secret:NAME".
sb::ProviderConfig writtenProvider(const ProviderEntry& entry);
// Where the key comes from, never the key: "secret store (openai)", "env $OPENAI_API_KEY", "none".
QString keySource(const ProviderEntry& entry);

class ProvidersDraft final : public Draft {
    Q_OBJECT
public:
    // `base`: the running config, whose other sections are checked with the providers.
    ProvidersDraft(sb::Config base, sb::RoutingConfig routing, const std::vector<sb::ProviderConfig>& live,
                   QObject* parent = nullptr);

    const ProviderSheet& applied() const { return m_state.applied(); }
    const ProviderSheet& draft() const { return m_state.draft(); }
    bool isDirty() const override { return m_state.isDirty(); }
    // Paths as at load: "providers[i].<field>", "routing.…", "default_provider".
    const std::vector<sb::ConfigError>& errors() const override { return m_state.errors(); }
    bool canApply() const override { return m_state.canApply(); }
    // The draft resolved as the engine takes it (keys, URLs, demo mode); empty while it has errors.
    const std::optional<sb::Config>& resolved() const { return m_resolved; }
    std::vector<sb::ProviderConfig> writtenProviders() const;
    std::map<std::string, std::string> typedKeys() const;  // secret name → key, for Apply to store

    // The same check of one provider on its own, for a connection test; paths name its row.
    std::expected<sb::ProviderConfig, std::vector<sb::ConfigError>> resolveOne(int row) const;

    const sb::RoutingConfig& routing() const { return m_routing; }  // what the draft is checked with
    void setRouting(sb::RoutingConfig routing);                     // the live routing changed: check again
    void setApplied(const std::vector<sb::ProviderConfig>& live);
    // After Apply: `live` becomes the applied set and the draft; the typed keys, now the
    // engine's, resolve the "secret:" references from here on (the store is written behind).
    void accept(const std::vector<sb::ProviderConfig>& live, const std::map<std::string, std::string>& keys);
    void revert();
    void edit(const std::function<void(ProviderSheet&)>& change);
    int add();  // a new provider at the end; returns its row
    void remove(int row);

private:
    std::vector<sb::ConfigError> check(const ProviderSheet& sheet);
    sb::EnvLookup lookup(const ProviderSheet& sheet) const;

    sb::Config m_base;
    sb::RoutingConfig m_routing;
    sb::EnvLookup m_environment;                 // the process environment and the secret store
    std::map<std::string, std::string> m_known;  // "secret:NAME" → key applied from this page
    std::vector<sb::ConfigError> m_liveNotes;    // the notes of the load that resolved the live set
    std::optional<sb::Config> m_resolved;
    StagedDraft<ProviderSheet> m_state;  // last: its validator uses the members above
};
