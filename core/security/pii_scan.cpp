#include "security/pii_scan.h"

#include <algorithm>
#include <string>

namespace sb {

namespace {

// ASCII classes, inline: every history row and cache decision scans each prompt and answer, and
// std::isalnum is a call into the C library per byte. Bytes of UTF-8 sequences are none of them,
// as they are for std::isalnum in the C and UTF-8 locales.
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
bool is_email_local(char c) {
    return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool is_domain(char c) { return is_alnum(c) || c == '.' || c == '-'; }

// A run of digits with single separators between them, starting at `i`; returns its end
// and collects the digits.
std::size_t digit_run(std::string_view text, std::size_t i, std::string_view separators, std::string& digits) {
    std::size_t end = i;
    while (i < text.size()) {
        if (is_digit(text[i])) {
            digits.push_back(text[i]);
            end = ++i;
        } else if (separators.find(text[i]) != std::string_view::npos && i + 1 < text.size() &&
                   (is_digit(text[i + 1]) || text[i + 1] == '(')) {
            ++i;
        } else if (text[i] == '(' || text[i] == ')') {
            if (separators.find('(') == std::string_view::npos) break;
            ++i;
        } else {
            break;
        }
    }
    return end;
}

bool is_token_char(char c) { return is_alnum(c) || c == '-' || c == '_'; }

// Prefixes of secret tokens, and how many token characters must follow for a match.
struct KeyShape {
    std::string_view prefix;
    std::size_t min_rest;
};
constexpr KeyShape kKeyShapes[] = {
    {"sk-", 20},                                         // OpenAI (sk-proj-…), Anthropic (sk-ant-…), ours (sk-sb-…)
    {"AKIA", 16}, {"ASIA", 16},                          // AWS access key ids
    {"ghp_", 30}, {"gho_", 30}, {"ghu_", 30}, {"ghs_", 30}, {"ghr_", 30}, {"github_pat_", 30},
    {"xoxb-", 10}, {"xoxp-", 10}, {"xoxa-", 10}, {"xoxr-", 10}, {"xoxs-", 10},  // Slack
    {"AIza", 30},                                        // Google API keys
};

// The shortest token any shape matches: most words are shorter and need no prefix compared.
constexpr std::size_t kShortestKey = [] {
    std::size_t shortest = std::string_view::npos;
    for (const auto& shape : kKeyShapes) shortest = std::min(shortest, shape.prefix.size() + shape.min_rest);
    return shortest;
}();

// A key-shaped token `text[i, end)` (a word): where the secret ends, or `i` if it is none.
std::size_t key_shape_end(std::string_view text, std::size_t i, std::size_t end) {
    const auto token = text.substr(i, end - i);
    if (token.size() >= kShortestKey)
        for (const auto& shape : kKeyShapes)
            if (token.size() >= shape.prefix.size() + shape.min_rest && token.starts_with(shape.prefix)) return end;
    // "Bearer <token>": the credential is the token, whatever its shape.
    if (token == "Bearer" && end + 1 < text.size() && text[end] == ' ') {
        std::size_t credential = end + 1;
        while (credential < text.size() && (is_token_char(text[credential]) || text[credential] == '.' ||
                                             text[credential] == '~' || text[credential] == '+' || text[credential] == '/' ||
                                             text[credential] == '='))
            ++credential;
        if (credential - (end + 1) >= 16) return credential;
    }
    return i;
}

}  // namespace

std::string_view to_string(PiiKind kind) {
    switch (kind) {
    case PiiKind::CardNumber: return "card_number";
    case PiiKind::Email: return "email";
    case PiiKind::Phone: return "phone";
    case PiiKind::ApiKey: return "api_key";
    }
    return "unknown";
}

bool luhn_valid(std::string_view digits) {
    int sum = 0;
    bool double_it = false;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        int d = *it - '0';
        if (double_it && (d *= 2) > 9) d -= 9;
        sum += d;
        double_it = !double_it;
    }
    return !digits.empty() && sum % 10 == 0;
}

std::vector<PiiSpan> find_pii(std::string_view text) {
    std::vector<PiiSpan> found;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        // E-mail: anchor on '@', extend both ways.
        if (c == '@' && i > 0 && is_email_local(text[i - 1])) {
            std::size_t begin = i;
            while (begin > 0 && is_email_local(text[begin - 1])) --begin;
            std::size_t end = i + 1;
            while (end < text.size() && is_domain(text[end])) ++end;
            while (end > i + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) --end;
            const auto domain = text.substr(i + 1, end - i - 1);
            const auto dot = domain.rfind('.');
            if (dot != std::string_view::npos && dot > 0 && domain.size() - dot > 2) {
                // Drop a card/phone found inside the local part.
                while (!found.empty() && found.back().end > begin) found.pop_back();
                found.push_back({PiiKind::Email, begin, end});
                i = end;
                continue;
            }
        }
        if (is_alpha(c) && (i == 0 || !is_token_char(text[i - 1]))) {
            std::size_t word_end = i;
            while (word_end < text.size() && is_token_char(text[word_end])) ++word_end;
            if (const std::size_t end = key_shape_end(text, i, word_end); end > i) {
                found.push_back({PiiKind::ApiKey, i, end});
                i = end;
                continue;
            }
            i = word_end;  // the rest of the word is not a number
            continue;
        }
        const bool starts_number = (is_digit(c) || c == '+' || c == '(') && (i == 0 || !is_alnum(text[i - 1]));
        if (starts_number) {
            std::string digits;
            const bool plus = c == '+';
            const std::size_t from = (plus || c == '(') ? i + 1 : i;
            const std::size_t end = digit_run(text, from, " -.()", digits);
            const bool word_end = end >= text.size() || !is_alnum(text[end]);
            if (word_end && digits.size() >= 13 && digits.size() <= 19 && !plus && luhn_valid(digits)) {
                found.push_back({PiiKind::CardNumber, i, end});
                i = end;
                continue;
            }
            const bool grouped = end - from > digits.size();  // has separators
            if (word_end && ((plus && digits.size() >= 8 && digits.size() <= 15) ||
                             (grouped && digits.size() >= 10 && digits.size() <= 13))) {
                found.push_back({PiiKind::Phone, i, end});
                i = end;
                continue;
            }
            i = std::max(end, i + 1);
            continue;
        }
        ++i;
    }
    return found;
}

}  // namespace sb
