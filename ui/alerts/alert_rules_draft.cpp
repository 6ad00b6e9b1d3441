#include "alerts/alert_rules_draft.h"

#include <utility>

namespace {

// NaN never equals itself: thresholds compare by "both unreadable" too, so re-typing the same
// unreadable value is no edit.
bool sameRules(const std::vector<sb::AlertRule>& a, const std::vector<sb::AlertRule>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto x = a[i], y = b[i];
        const bool sameThreshold = x.threshold == y.threshold || (x.threshold != x.threshold && y.threshold != y.threshold);
        x.threshold = y.threshold = 0;
        if (!sameThreshold || !(x == y)) return false;
    }
    return true;
}

}  // namespace

AlertRulesDraft::AlertRulesDraft(std::vector<sb::AlertRule> applied, QObject* parent)
    : Draft(parent), m_state(std::move(applied), &sb::validate_alert_rules, &sameRules) {}

void AlertRulesDraft::setApplied(std::vector<sb::AlertRule> applied) {
    if (m_state.setApplied(std::move(applied))) emit changed();
}

void AlertRulesDraft::revert() {
    if (m_state.revert()) emit changed();
}

void AlertRulesDraft::edit(const std::function<void(std::vector<sb::AlertRule>&)>& change) {
    if (m_state.edit(change)) emit changed();
}
