#pragma once
// The state behind every "edit as a draft, validate, apply atomically, revert" editor:
// the live value, the draft, and the draft's validation errors. A clean draft follows the
// live value when it changes elsewhere; an edited one is kept until applied or reverted.
// Each mutator returns whether anything changed, so the owning QObject knows when to signal.
#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

#include "config/config.h"

template <typename Value>
class StagedDraft {
public:
    using Validator = std::function<std::vector<sb::ConfigError>(const Value&)>;
    // `same`: equality for "did this edit change anything" (a value holding NaN needs its own).
    using Same = std::function<bool(const Value&, const Value&)>;

    StagedDraft(Value applied, Validator validate, Same same = {})
        : m_applied(std::move(applied)), m_draft(m_applied), m_validate(std::move(validate)),
          m_same(same ? std::move(same) : Same([](const Value& a, const Value& b) { return a == b; })) {
        m_errors = m_validate(m_draft);
    }

    const Value& applied() const { return m_applied; }
    const Value& draft() const { return m_draft; }
    bool isDirty() const { return !(m_draft == m_applied); }
    const std::vector<sb::ConfigError>& errors() const { return m_errors; }
    bool canApply() const { return isDirty() && m_errors.empty(); }

    bool setApplied(Value applied) {
        if (applied == m_applied) return false;
        const bool follow = !isDirty();
        m_applied = std::move(applied);
        if (follow) reset_draft();
        return true;
    }

    bool revert() {
        if (!isDirty()) return false;
        reset_draft();
        return true;
    }

    // What the draft is checked against changed (not the draft): check it again.
    bool revalidate() {
        auto errors = m_validate(m_draft);
        const bool differ = errors.size() != m_errors.size() ||
                            !std::equal(errors.begin(), errors.end(), m_errors.begin(), [](const auto& a, const auto& b) {
                                return a.path == b.path && a.rule == b.rule;
                            });
        m_errors = std::move(errors);
        return differ;
    }

    bool edit(const std::function<void(Value&)>& change) {
        Value next = m_draft;
        change(next);
        if (m_same(next, m_draft)) return false;
        m_draft = std::move(next);
        m_errors = m_validate(m_draft);
        return true;
    }

private:
    void reset_draft() {
        m_draft = m_applied;
        m_errors = m_validate(m_draft);
    }

    Value m_applied;
    Value m_draft;
    Validator m_validate;
    Same m_same;
    std::vector<sb::ConfigError> m_errors;
};
