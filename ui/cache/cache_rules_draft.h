#pragma once
// The cache rules being edited on the Cache page, staged against the rules that are live:
// the editor changes the draft through edit(), the draft is validated after each change
// (validate_cache_rules), and only Apply (on the page) hands it to the engine. A clean
// draft follows the live rules when they change elsewhere; an edited one is kept until it
// is applied or reverted.
#include <functional>
#include <vector>

#include "common/draft.h"
#include "common/staged_draft.h"
#include "config/cache_config.h"
#include "config/config.h"

class CacheRulesDraft final : public Draft {
    Q_OBJECT
public:
    explicit CacheRulesDraft(std::vector<sb::CacheRule> applied, QObject* parent = nullptr);

    const std::vector<sb::CacheRule>& applied() const { return m_state.applied(); }
    const std::vector<sb::CacheRule>& draft() const { return m_state.draft(); }
    bool isDirty() const override { return m_state.isDirty(); }
    // Paths relative to the rules array: "[1].pattern".
    const std::vector<sb::ConfigError>& errors() const override { return m_state.errors(); }
    bool canApply() const override { return m_state.canApply(); }

    void setApplied(std::vector<sb::CacheRule> applied);
    void revert();
    void edit(const std::function<void(std::vector<sb::CacheRule>&)>& change);

private:
    StagedDraft<std::vector<sb::CacheRule>> m_state;
};
