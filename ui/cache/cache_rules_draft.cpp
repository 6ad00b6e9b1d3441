#include "cache/cache_rules_draft.h"

#include <utility>

CacheRulesDraft::CacheRulesDraft(std::vector<sb::CacheRule> applied, QObject* parent)
    : Draft(parent), m_state(std::move(applied), &sb::validate_cache_rules) {}

void CacheRulesDraft::setApplied(std::vector<sb::CacheRule> applied) {
    if (m_state.setApplied(std::move(applied))) emit changed();
}

void CacheRulesDraft::revert() {
    if (m_state.revert()) emit changed();
}

void CacheRulesDraft::edit(const std::function<void(std::vector<sb::CacheRule>&)>& change) {
    if (m_state.edit(change)) emit changed();
}
