#pragma once
// The cache rules being edited on the Cache page, staged against the rules that are live:
// the editor changes the draft through edit(), the draft is validated after each change
// (validate_cache_rules), and only Apply (on the page) hands it to the engine. A clean
// draft follows the live rules when they change elsewhere; an edited one is kept until it
// is applied or reverted.
#include <QObject>

#include <functional>
#include <vector>

#include "config/cache_config.h"
#include "config/config.h"

class CacheRulesDraft final : public QObject {
    Q_OBJECT
public:
    explicit CacheRulesDraft(std::vector<sb::CacheRule> applied, QObject* parent = nullptr);

    const std::vector<sb::CacheRule>& applied() const { return m_applied; }
    const std::vector<sb::CacheRule>& draft() const { return m_draft; }
    bool isDirty() const { return m_draft != m_applied; }
    // Paths relative to the rules array: "[1].pattern".
    const std::vector<sb::ConfigError>& errors() const { return m_errors; }
    bool canApply() const { return isDirty() && m_errors.empty(); }

    void setApplied(std::vector<sb::CacheRule> applied);
    void revert();
    void edit(const std::function<void(std::vector<sb::CacheRule>&)>& change);

signals:
    void changed();  // the draft, the applied rules or the errors changed

private:
    void validate();

    std::vector<sb::CacheRule> m_applied;
    std::vector<sb::CacheRule> m_draft;
    std::vector<sb::ConfigError> m_errors;
};
