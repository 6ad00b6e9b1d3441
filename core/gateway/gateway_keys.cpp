#include "gateway/gateway_keys.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <vector>

#include "cost/budget_tracker.h"
#include "model/text.h"

namespace sb {

namespace {

constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
// The largest multiple of 62 that fits a byte: bytes at or above it are thrown away, so each
// of the 62 characters is exactly as likely.
constexpr unsigned kBase62Accept = 62 * (256 / 62);  // 248

bool is_base62(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

double GatewayKeyInfo::spent_in_month_of(std::int64_t now_ms) const {
    return spent_month_ms == utc_month_start_ms(now_ms) ? spent_usd : 0.0;
}

std::expected<std::string, std::string> generate_gateway_key_secret() {
    std::string secret(kGatewayKeyPrefix);
    std::array<unsigned char, 64> random{};
    while (secret.size() < kGatewayKeyPrefix.size() + kGatewayKeyBodyLength) {
        if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
            return std::unexpected(std::string("cannot generate a key: the random number generator failed"));
        for (unsigned char byte : random) {
            if (byte >= kBase62Accept) continue;
            secret += kBase62[byte % 62];
            if (secret.size() == kGatewayKeyPrefix.size() + kGatewayKeyBodyLength) break;
        }
    }
    OPENSSL_cleanse(random.data(), random.size());
    return secret;
}

std::expected<void, std::string> check_limits(const GatewayKeyLimits& limits) {
    if (limits.rpm < 0 || limits.tpm < 0 || !(limits.monthly_budget_usd >= 0) ||
        !std::isfinite(limits.monthly_budget_usd))
        return std::unexpected(std::string("limits and budgets cannot be negative"));
    return {};
}

std::expected<void, std::string> check_limit_change(const GatewayKeyLimitChange& change) {
    if ((change.rpm && *change.rpm < 0) || (change.tpm && *change.tpm < 0) ||
        (change.monthly_budget_usd &&
         !(*change.monthly_budget_usd >= 0 && std::isfinite(*change.monthly_budget_usd))))
        return std::unexpected(std::string("limits and budgets cannot be negative"));
    return {};
}

std::expected<std::pair<NewGatewayKey, GatewayKeyDigest>, std::string> mint_gateway_key(const std::string& name,
                                                                                        const GatewayKeyLimits& limits,
                                                                                        std::int64_t now_ms) {
    const std::string clean(trim_space(name));
    if (clean.empty()) return std::unexpected(std::string("a key needs a name"));
    if (std::any_of(clean.begin(), clean.end(), [](unsigned char c) { return std::iscntrl(c); }))
        return std::unexpected(std::string("a key name cannot contain control characters"));
    if (auto checked = check_limits(limits); !checked) return std::unexpected(checked.error());
    auto secret = generate_gateway_key_secret();
    if (!secret) return std::unexpected(secret.error());
    auto id = random_hex(6);
    if (!id) return std::unexpected(id.error());

    NewGatewayKey created;
    created.info.id = *id;
    created.info.name = clean;
    created.info.prefix = secret->substr(0, kGatewayKeyDisplayLength);
    created.info.created_ms = now_ms;
    created.info.limits = limits;
    created.info.spent_month_ms = utc_month_start_ms(now_ms);
    const GatewayKeyDigest digest = gateway_key_digest(*secret);
    created.secret = std::move(*secret);
    return std::pair{std::move(created), digest};
}

std::expected<std::string, std::string> random_hex(std::size_t bytes) {
    std::vector<unsigned char> raw(bytes);
    if (RAND_bytes(raw.data(), static_cast<int>(bytes)) != 1)
        return std::unexpected(std::string("cannot generate an id: the random number generator failed"));
    return to_hex(raw);
}

bool looks_like_gateway_key(std::string_view text) {
    return text.size() == kGatewayKeyPrefix.size() + kGatewayKeyBodyLength &&
           text.starts_with(kGatewayKeyPrefix) &&
           std::all_of(text.begin() + kGatewayKeyPrefix.size(), text.end(), is_base62);
}

GatewayKeyDigest gateway_key_digest(std::string_view secret) { return sha256(secret); }

std::optional<GatewayKeyDigest> digest_from_hex(std::string_view hex) {
    GatewayKeyDigest digest{};
    if (hex.size() != digest.size() * 2) return std::nullopt;
    for (std::size_t i = 0; i < digest.size(); ++i) {
        const int high = hex_value(hex[2 * i]);
        const int low = hex_value(hex[2 * i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        digest[i] = static_cast<unsigned char>(high << 4 | low);
    }
    return digest;
}

// ---- GatewayKeyWindow ------------------------------------------------------------------

void GatewayKeyWindow::prune(std::int64_t now_ms) {
    // An entry counts while now < time + window.
    const std::int64_t expired_at_or_before = now_ms - kGatewayKeyWindowMs;
    while (!m_requests.empty() && m_requests.front() <= expired_at_or_before) m_requests.pop_front();
    while (!m_tokens.empty() && m_tokens.front().first <= expired_at_or_before) {
        m_token_sum -= m_tokens.front().second;
        m_tokens.pop_front();
    }
}

GatewayKeyWindow::Verdict GatewayKeyWindow::check(std::int64_t now_ms, const GatewayKeyLimits& limits,
                                                  std::int64_t estimated_tokens) {
    prune(now_ms);
    Verdict verdict;
    if (limits.rpm > 0 && std::int64_t(m_requests.size()) >= limits.rpm) {
        // The request fits once enough of the oldest have left the window to bring the
        // count below the limit.
        const auto must_leave = m_requests.size() - static_cast<std::size_t>(limits.rpm);
        verdict.requests_wait_ms =
            std::max<std::int64_t>(1, m_requests[must_leave] + kGatewayKeyWindowMs - now_ms);
    }
    if (limits.tpm > 0) {
        const std::int64_t estimate = std::max<std::int64_t>(0, estimated_tokens);
        if (estimate > limits.tpm) {
            verdict.larger_than_tpm = true;
        } else if (m_token_sum + estimate > limits.tpm) {
            std::int64_t remaining = m_token_sum;
            for (const auto& [time, tokens] : m_tokens) {
                remaining -= tokens;
                if (remaining + estimate <= limits.tpm) {
                    verdict.tokens_wait_ms = std::max<std::int64_t>(1, time + kGatewayKeyWindowMs - now_ms);
                    break;
                }
            }
        }
    }
    return verdict;
}

void GatewayKeyWindow::add_request(std::int64_t now_ms) {
    prune(now_ms);
    m_requests.push_back(now_ms);
}

void GatewayKeyWindow::add_tokens(std::int64_t now_ms, std::int64_t tokens) {
    prune(now_ms);
    if (tokens <= 0) return;
    m_tokens.emplace_back(now_ms, tokens);
    m_token_sum += tokens;
}

std::int64_t GatewayKeyWindow::tokens_in_window(std::int64_t now_ms) {
    prune(now_ms);
    return m_token_sum;
}

// ---- time ------------------------------------------------------------------------------

std::int64_t utc_month_start_ms(std::int64_t unix_ms) {
    return BudgetTracker::month_start_ms(unix_ms);
}
std::int64_t utc_next_month_start_ms(std::int64_t unix_ms) {
    return BudgetTracker::next_month_start_ms(unix_ms);
}

std::string format_utc_ms(std::int64_t unix_ms) {
    const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &utc);
    return text;
}

}  // namespace sb
