#include "cache/cache_rules_draft.h"

#include <utility>

CacheRulesDraft::CacheRulesDraft(std::vector<sb::CacheRule> applied, QObject* parent)
    : QObject(parent), m_applied(std::move(applied)), m_draft(m_applied) {
    validate();
}

void CacheRulesDraft::setApplied(std::vector<sb::CacheRule> applied) {
    if (applied == m_applied) return;
    const bool follow = !isDirty();
    m_applied = std::move(applied);
    if (follow) {
        m_draft = m_applied;
        validate();
    }
    emit changed();
}

void CacheRulesDraft::revert() {
    if (!isDirty()) return;
    m_draft = m_applied;
    validate();
    emit changed();
}

void CacheRulesDraft::edit(const std::function<void(std::vector<sb::CacheRule>&)>& change) {
    auto next = m_draft;
    change(next);
    if (next == m_draft) return;
    m_draft = std::move(next);
    validate();
    emit changed();
}

void CacheRulesDraft::validate() { m_errors = sb::validate_cache_rules(m_draft); }
