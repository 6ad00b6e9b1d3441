#pragma once
// Token counts before a request is sent (prediction, budgets): exact BPE counts for
// OpenAI models whose encoding we hold, and for every other model the heuristic of
// model/token_estimate scaled by a per-model ratio learnt from the counts providers
// report. Thread-safe: counting only reads immutable tokenizers; calibration is guarded.
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tokenize/bpe_tokenizer.h"
#include "tokenize/encoding.h"

namespace sb {

struct ChatRequest;

struct TokenCount {
    std::int64_t tokens = 0;
    bool exact = false;
    // The uncalibrated heuristic for the same input: what observe() wants as `estimated`
    // once the provider reports the real count (0 when the count is exact).
    std::int64_t heuristic = 0;
};

class TokenCounter final {
public:
    // Loads <dir>/o200k_base.tiktoken and <dir>/cl100k_base.tiktoken. A missing or broken
    // file turns exact counting off for that encoding and is explained in notes().
    explicit TokenCounter(const std::filesystem::path& dir);

    // Where tools/fetch-tokenizers puts the rank files: $SWITCHBOARD_DATA_DIR, else
    // $XDG_DATA_HOME/switchboard, else ~/.local/share/switchboard; then /tokenizers.
    static std::filesystem::path default_tokenizer_dir();

    // The encoding an OpenAI model name uses; nullopt for models without a public tokenizer.
    static std::optional<Encoding> encoding_for_model(std::string_view model);

    bool has_encoding(Encoding encoding) const;
    // Empty when every rank file loaded; otherwise which file is missing and what to run.
    const std::string& notes() const { return m_notes; }

    TokenCount count_text(std::string_view model, std::string_view text) const;
    // Chat prompt tokens as OpenAI's cookbook counts them: 3 per message, the role and
    // content (and name, +1), 3 for priming the reply. Tool calls and tool definitions are
    // laid out in an unpublished format, so a request with them is never "exact".
    TokenCount count_request(std::string_view model, const ChatRequest& request) const;

    // Feeds one finished request: the uncalibrated heuristic (TokenCount::heuristic) and
    // the prompt tokens the provider reported. Zero or absurd samples are ignored.
    void observe(std::string_view model, std::int64_t estimated, std::int64_t reported);
    // reported / estimated over recent requests, clamped to [0.25, 4]; 1.0 until observed.
    double calibration(std::string_view model) const;

private:
    struct Calibration {
        double reported = 0;   // exponentially decayed sums, so recent requests dominate
        double estimated = 0;
    };

    const BpeTokenizer* tokenizer_for(std::string_view model) const;
    TokenCount calibrated(std::string_view model, std::int64_t heuristic) const;

    std::optional<BpeTokenizer> m_o200k;
    std::optional<BpeTokenizer> m_cl100k;
    std::string m_notes;

    mutable std::mutex m_mutex;
    std::unordered_map<std::string, Calibration> m_calibration;  // guarded by m_mutex
};

}  // namespace sb
