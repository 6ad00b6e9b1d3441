#include "routing/routing_draft.h"

#include <utility>

RoutingDraft::RoutingDraft(std::vector<sb::ProviderConfig> providers, sb::RoutingConfig applied, QObject* parent)
    : QObject(parent), m_providers(std::move(providers)), m_applied(std::move(applied)), m_draft(m_applied) {
    validate();
}

void RoutingDraft::setApplied(sb::RoutingConfig applied) {
    if (applied == m_applied) return;
    const bool follow = !isDirty();
    m_applied = std::move(applied);
    if (follow) {
        m_draft = m_applied;
        validate();
    }
    emit changed();
}

void RoutingDraft::revert() {
    if (!isDirty()) return;
    m_draft = m_applied;
    validate();
    emit changed();
}

void RoutingDraft::edit(const std::function<void(sb::RoutingConfig&)>& change) {
    sb::RoutingConfig next = m_draft;
    change(next);
    if (next == m_draft) return;
    m_draft = std::move(next);
    validate();
    emit changed();
}

void RoutingDraft::validate() { m_errors = sb::validate_routing(m_draft, m_providers); }
