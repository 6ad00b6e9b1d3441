#pragma once
// The alert rules being edited on the Alerts page, staged against the engine's live rules:
// the editor changes the draft through edit(), the draft is validated after each change
// (validate_alert_rules), and only Apply hands it to the engine. A clean draft follows the
// live rules when they change elsewhere; an edited one is kept until applied or reverted.
#include <functional>
#include <vector>

#include "common/draft.h"
#include "common/staged_draft.h"
#include "config/alert_config.h"
#include "config/config.h"

class AlertRulesDraft final : public Draft {
    Q_OBJECT
public:
    explicit AlertRulesDraft(std::vector<sb::AlertRule> applied, QObject* parent = nullptr);

    const std::vector<sb::AlertRule>& applied() const { return m_state.applied(); }
    const std::vector<sb::AlertRule>& draft() const { return m_state.draft(); }
    bool isDirty() const override { return m_state.isDirty(); }
    // Paths relative to the rules array: "[0].threshold".
    const std::vector<sb::ConfigError>& errors() const override { return m_state.errors(); }
    bool canApply() const override { return m_state.canApply(); }

    void setApplied(std::vector<sb::AlertRule> applied);
    void revert();
    void edit(const std::function<void(std::vector<sb::AlertRule>&)>& change);

private:
    StagedDraft<std::vector<sb::AlertRule>> m_state;
};
