#pragma once
// The price table being edited on the Prices page, staged against the table the engine
// prices with: the editor changes the draft through edit(), the draft is validated after
// each change (validate_price_sheet), and only Apply (on the page) hands it to the engine.
#include <functional>
#include <vector>

#include "common/draft.h"
#include "common/staged_draft.h"
#include "config/config.h"
#include "cost/price_table.h"

class PricesDraft final : public Draft {
    Q_OBJECT
public:
    explicit PricesDraft(sb::PriceSheet applied, QObject* parent = nullptr);

    const sb::PriceSheet& applied() const { return m_state.applied(); }
    const sb::PriceSheet& draft() const { return m_state.draft(); }
    bool isDirty() const override { return m_state.isDirty(); }
    // Paths "as_of" and "[i].<field>", i = row.
    const std::vector<sb::ConfigError>& errors() const override { return m_state.errors(); }
    bool canApply() const override { return m_state.canApply(); }

    void setApplied(sb::PriceSheet applied);
    void revert();
    void edit(const std::function<void(sb::PriceSheet&)>& change);

private:
    StagedDraft<sb::PriceSheet> m_state;
};
