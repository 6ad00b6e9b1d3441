#pragma once
// The routing being edited on the Routing page, staged against the routing that is live:
// every editor changes the draft through edit(), the draft is validated after each change,
// and only Apply (on the page) sends it to the engine. A clean draft follows the live
// routing when it changes elsewhere (another console, the gateway's admin API); an edited
// one is kept until it is applied or reverted.
#include <functional>
#include <vector>

#include "common/draft.h"
#include "common/staged_draft.h"
#include "config/config.h"
#include "config/routing_config.h"

class RoutingDraft final : public Draft {
    Q_OBJECT
public:
    RoutingDraft(std::vector<sb::ProviderConfig> providers, sb::RoutingConfig applied, QObject* parent = nullptr);

    const sb::RoutingConfig& applied() const { return m_state.applied(); }
    const sb::RoutingConfig& draft() const { return m_state.draft(); }
    const std::vector<sb::ProviderConfig>& providers() const { return m_providers; }
    bool isDirty() const override { return m_state.isDirty(); }
    // validate_routing() of the draft; paths are relative to the routing section.
    const std::vector<sb::ConfigError>& errors() const override { return m_state.errors(); }
    bool canApply() const override { return m_state.canApply(); }

    void setApplied(sb::RoutingConfig applied);
    // The live providers changed (Providers page): targets are checked against these now.
    void setProviders(std::vector<sb::ProviderConfig> providers);
    void revert();
    // Changes the draft; out-of-range edits (a row that is gone) are the caller's to avoid.
    void edit(const std::function<void(sb::RoutingConfig&)>& change);

private:
    std::vector<sb::ProviderConfig> m_providers;
    StagedDraft<sb::RoutingConfig> m_state;
};
