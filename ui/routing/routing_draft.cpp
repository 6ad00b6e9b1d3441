#include "routing/routing_draft.h"

#include <utility>

RoutingDraft::RoutingDraft(std::vector<sb::ProviderConfig> providers, sb::RoutingConfig applied, QObject* parent)
    : Draft(parent),
      m_providers(std::move(providers)),
      m_state(std::move(applied), [this](const sb::RoutingConfig& draft) { return sb::validate_routing(draft, m_providers); }) {}

void RoutingDraft::setApplied(sb::RoutingConfig applied) {
    if (m_state.setApplied(std::move(applied))) emit changed();
}

void RoutingDraft::setProviders(std::vector<sb::ProviderConfig> providers) {
    m_providers = std::move(providers);
    m_state.revalidate();
    emit changed();
}

void RoutingDraft::revert() {
    if (m_state.revert()) emit changed();
}

void RoutingDraft::edit(const std::function<void(sb::RoutingConfig&)>& change) {
    if (m_state.edit(change)) emit changed();
}
