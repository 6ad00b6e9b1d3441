#include "alerts/alert_rules_draft.h"

#include <utility>

AlertRulesDraft::AlertRulesDraft(std::vector<sb::AlertRule> applied, QObject* parent)
    : QObject(parent), m_applied(std::move(applied)), m_draft(m_applied) {
    validate();
}

void AlertRulesDraft::setApplied(std::vector<sb::AlertRule> applied) {
    if (applied == m_applied) return;
    const bool follow = !isDirty();
    m_applied = std::move(applied);
    if (follow) {
        m_draft = m_applied;
        validate();
    }
    emit changed();
}

void AlertRulesDraft::revert() {
    if (!isDirty()) return;
    m_draft = m_applied;
    validate();
    emit changed();
}

void AlertRulesDraft::edit(const std::function<void(std::vector<sb::AlertRule>&)>& change) {
    auto next = m_draft;
    change(next);
    // NaN never equals itself: compare thresholds by bits so an unchanged unreadable value is no edit.
    if (next.size() == m_draft.size()) {
        bool same = true;
        for (std::size_t i = 0; same && i < next.size(); ++i) {
            auto a = next[i], b = m_draft[i];
            same = (a.threshold == b.threshold || (a.threshold != a.threshold && b.threshold != b.threshold));
            a.threshold = b.threshold = 0;
            same = same && a == b;
        }
        if (same) return;
    }
    m_draft = std::move(next);
    validate();
    emit changed();
}

void AlertRulesDraft::validate() { m_errors = sb::validate_alert_rules(m_draft); }
