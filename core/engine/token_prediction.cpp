#include "engine/token_prediction.h"

namespace sb {

TokenCounter& shared_token_counter() {
    static TokenCounter counter(TokenCounter::default_tokenizer_dir());
    return counter;
}

TokenPrediction predict_tokens(const TokenCounter& counter, std::string_view model, const ChatRequest& request,
                               const PriceTable& prices) {
    TokenPrediction prediction;
    prediction.model = std::string(model);
    const TokenCount count = counter.count_request(model, request);
    prediction.input_tokens = count.tokens;
    prediction.exact = count.exact;
    prediction.calibration = count.exact ? 1.0 : counter.calibration(model);
    Usage input;
    input.input_tokens = count.tokens;
    prediction.input_cost_usd = prices.cost_usd(model, input);
    Usage most = input;
    // Embeddings bill their input alone.
    if (request.wire != WireApi::OpenAIEmbeddings)
        most.output_tokens = request.max_tokens ? *request.max_tokens : kAssumedOutputTokens;
    prediction.max_cost_usd = prices.cost_usd(model, most);
    return prediction;
}

}  // namespace sb
