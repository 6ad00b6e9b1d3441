#include "prices/prices_draft.h"

#include <utility>

PricesDraft::PricesDraft(sb::PriceSheet applied, QObject* parent)
    : Draft(parent), m_state(std::move(applied), &sb::validate_price_sheet) {}

void PricesDraft::setApplied(sb::PriceSheet applied) {
    if (m_state.setApplied(std::move(applied))) emit changed();
}

void PricesDraft::revert() {
    if (m_state.revert()) emit changed();
}

void PricesDraft::edit(const std::function<void(sb::PriceSheet&)>& change) {
    if (m_state.edit(change)) emit changed();
}
