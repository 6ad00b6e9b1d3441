#pragma once
// What a request is expected to use before it is sent: prompt tokens (exact BPE for OpenAI
// models, the self-calibrating estimate for the rest) and what that costs at the model's
// price. The counter is process-wide: its rank files are loaded once, off the request path.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cost/price_table.h"
#include "model/chat.h"
#include "tokenize/token_counter.h"

namespace sb {

struct TokenPrediction {
    std::string model;
    std::int64_t input_tokens = 0;
    bool exact = false;
    double calibration = 1.0;               // reported / estimated for this model so far
    std::optional<double> input_cost_usd;   // the prompt at the input price
    std::optional<double> max_cost_usd;     // plus max_tokens (or kAssumedOutputTokens) of output
};

inline constexpr std::int64_t kAssumedOutputTokens = 512;  // when the request sets no max_tokens

// Loads the rank files on first use (tens to hundreds of ms): call it from a background
// thread at start, never first from a transport callback.
TokenCounter& shared_token_counter();

TokenPrediction predict_tokens(const TokenCounter& counter, std::string_view model, const ChatRequest& request,
                               const PriceTable& prices = PriceTable::built_in());

}  // namespace sb
