#include "tokenize/token_counter.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

#include "model/chat.h"
#include "model/text.h"
#include "model/token_estimate.h"

namespace sb {

namespace {

// A half-life of about 34 requests: recent enough to follow a model or traffic change,
// long enough that one odd prompt (a base64 blob, a poem) does not swing the ratio.
constexpr double kDecay = 0.98;
constexpr double kMinRatio = 0.25;
constexpr double kMaxRatio = 4.0;
// A single sample this far off is a logging or accounting error, not a tokenizer property.
constexpr double kAbsurdRatio = 20.0;

constexpr int kTokensPerMessage = 3;
constexpr int kTokensPerName = 1;
constexpr int kReplyPriming = 3;

bool starts_with_any(std::string_view name, std::initializer_list<std::string_view> prefixes) {
    return std::ranges::any_of(prefixes, [&](std::string_view prefix) { return name.starts_with(prefix); });
}

}  // namespace

TokenCounter::TokenCounter(const std::filesystem::path& dir) {
    std::string missing;
    for (const Encoding encoding : {Encoding::O200kBase, Encoding::Cl100kBase}) {
        const auto file = dir / (std::string(to_string(encoding)) + ".tiktoken");
        auto& slot = encoding == Encoding::O200kBase ? m_o200k : m_cl100k;
        std::error_code ec;
        if (!std::filesystem::exists(file, ec)) {
            missing += (missing.empty() ? "" : ", ") + file.string();
            continue;
        }
        auto tokenizer = BpeTokenizer::load(encoding, file);
        if (!tokenizer) {
            m_notes += (m_notes.empty() ? "" : "; ") + tokenizer.error() + " (re-run tools/setup)";
            continue;
        }
        slot.emplace(std::move(*tokenizer));
    }
    if (!missing.empty()) {
        m_notes += (m_notes.empty() ? "" : "; ") + std::string("tokenizer rank files missing: ") + missing +
                   " (run tools/setup); token counts for OpenAI models are estimates";
    }
}

std::filesystem::path TokenCounter::default_tokenizer_dir() {
    const auto env = [](const char* name) -> std::string {
        const char* value = std::getenv(name);
        return value ? value : "";
    };
    std::filesystem::path data;
    if (const auto dir = env("SWITCHBOARD_DATA_DIR"); !dir.empty()) {
        data = dir;
    } else if (const auto xdg = env("XDG_DATA_HOME"); !xdg.empty()) {
        data = std::filesystem::path(xdg) / "switchboard";
    } else {
        data = std::filesystem::path(env("HOME")) / ".local" / "share" / "switchboard";
    }
    return data / "tokenizers";
}

std::optional<Encoding> TokenCounter::encoding_for_model(std::string_view model) {
    std::string name = to_lower(model);
    // "openai/gpt-4o" (gateway-style provider prefix) and "ft:gpt-4o-…:org::id" (fine-tunes).
    if (const auto slash = name.rfind('/'); slash != std::string::npos) name.erase(0, slash + 1);
    if (name.starts_with("ft:")) name.erase(0, 3);
    // Order matters: the gpt-4o / gpt-4.1 families must win over the gpt-4 prefix.
    if (starts_with_any(name, {"gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "chatgpt-4o", "gpt-oss", "o1", "o3", "o4"}))
        return Encoding::O200kBase;
    if (starts_with_any(name, {"gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3", "text-embedding-ada-002"}))
        return Encoding::Cl100kBase;
    return std::nullopt;
}

bool TokenCounter::has_encoding(Encoding encoding) const {
    return encoding == Encoding::O200kBase ? m_o200k.has_value() : m_cl100k.has_value();
}

const BpeTokenizer* TokenCounter::tokenizer_for(std::string_view model) const {
    const auto encoding = encoding_for_model(model);
    if (!encoding) return nullptr;
    const auto& slot = *encoding == Encoding::O200kBase ? m_o200k : m_cl100k;
    return slot ? &*slot : nullptr;
}

TokenCount TokenCounter::calibrated(std::string_view model, std::int64_t heuristic) const {
    const double ratio = calibration(model);
    return {.tokens = std::llround(static_cast<double>(heuristic) * ratio), .exact = false, .heuristic = heuristic};
}

TokenCount TokenCounter::count_text(std::string_view model, std::string_view text) const {
    if (const auto* tokenizer = tokenizer_for(model))
        return {.tokens = static_cast<std::int64_t>(tokenizer->count(text)), .exact = true};
    return calibrated(model, estimate_tokens(text));
}

namespace {

// What a media part costs, roughly, before a provider says: an image as OpenAI's high-detail
// tiling prices a 1024×1024 photo (765 tokens), audio at ~10 tokens a second of 16-bit 16 kHz
// speech, a document at a token per 4 bytes as for text.
std::int64_t media_token_estimate(const ContentPart& part) {
    const auto bytes = static_cast<std::int64_t>(decoded_size(part));
    switch (part.kind) {
    case ContentPart::Kind::Image: return 765;
    case ContentPart::Kind::Audio: return std::max<std::int64_t>(10, bytes / 3200);
    case ContentPart::Kind::File: return std::max<std::int64_t>(100, bytes / 4);
    case ContentPart::Kind::Text: return 0;
    }
    return 0;
}

}  // namespace

TokenCount TokenCounter::count_request(std::string_view model, const ChatRequest& request) const {
    const auto* tokenizer = tokenizer_for(model);
    const auto count = [&](std::string_view text) -> std::int64_t {
        return tokenizer ? static_cast<std::int64_t>(tokenizer->count(text)) : estimate_tokens(text);
    };
    std::int64_t tokens = kReplyPriming;
    bool exact = tokenizer != nullptr && request.tools.is_null() && !request.extra.contains("functions");
    for (const auto& message : request.messages) {
        tokens += kTokensPerMessage + count(to_string(message.role)) + count(message.content);
        for (const auto& part : message.parts) {
            if (part.kind == ContentPart::Kind::Text) continue;
            tokens += media_token_estimate(part);
            exact = false;
        }
        if (!message.name.empty()) tokens += kTokensPerName + count(message.name);
        for (const auto& call : message.tool_calls) {
            tokens += count(call.name) + count(call.arguments_json);
            exact = false;
        }
        if (!message.tool_call_id.empty()) exact = false;
    }
    if (tokenizer) return {.tokens = tokens, .exact = exact};
    return calibrated(model, tokens);
}

void TokenCounter::observe(std::string_view model, std::int64_t estimated, std::int64_t reported) {
    if (estimated <= 0 || reported <= 0) return;
    const double ratio = static_cast<double>(reported) / static_cast<double>(estimated);
    if (ratio > kAbsurdRatio || ratio < 1.0 / kAbsurdRatio) return;
    const std::lock_guard lock(m_mutex);
    auto& entry = m_calibration[std::string(model)];
    entry.reported = entry.reported * kDecay + static_cast<double>(reported);
    entry.estimated = entry.estimated * kDecay + static_cast<double>(estimated);
}

double TokenCounter::calibration(std::string_view model) const {
    const std::lock_guard lock(m_mutex);
    const auto it = m_calibration.find(std::string(model));
    if (it == m_calibration.end() || it->second.estimated <= 0) return 1.0;
    return std::clamp(it->second.reported / it->second.estimated, kMinRatio, kMaxRatio);
}

}  // namespace sb
