#pragma once
// A staged draft of a plain list, for the tests of the shared editor widgets: named items with a
// threshold, checked the way the config checks its lists ("[2].threshold: must be at most 100").
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/draft.h"
#include "common/staged_draft.h"

namespace sb::test {

struct Item {
    std::string name;
    int threshold = 0;
    bool operator==(const Item&) const = default;
};

inline std::vector<sb::ConfigError> check_items(const std::vector<Item>& items) {
    std::vector<sb::ConfigError> errors;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string row = "[" + std::to_string(i) + "]";
        if (items[i].name.empty()) errors.push_back({row, "must have a name"});
        if (items[i].threshold > 100) errors.push_back({row + ".threshold", "must be at most 100"});
    }
    return errors;
}

class ItemDraft final : public Draft {
public:
    explicit ItemDraft(std::vector<Item> applied) : m_state(std::move(applied), &check_items) {}

    const std::vector<Item>& applied() const { return m_state.applied(); }
    const std::vector<Item>& draft() const { return m_state.draft(); }
    bool isDirty() const override { return m_state.isDirty(); }
    bool canApply() const override { return m_state.canApply(); }
    const std::vector<sb::ConfigError>& errors() const override { return m_state.errors(); }

    void setApplied(std::vector<Item> applied) {
        if (m_state.setApplied(std::move(applied))) emit changed();
    }
    void revert() {
        if (m_state.revert()) emit changed();
    }
    void edit(const std::function<void(std::vector<Item>&)>& change) {
        if (m_state.edit(change)) emit changed();
    }

private:
    StagedDraft<std::vector<Item>> m_state;
};

}  // namespace sb::test
