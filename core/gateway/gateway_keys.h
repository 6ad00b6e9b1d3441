#pragma once
// Gateway API keys: the key format, how a key is hashed for storage, what an operator sees
// of it, and the per-key one-minute usage window behind the rpm/tpm limits. The secret
// exists only in the answer to GatewayKeyStore::create; only its SHA-256 is kept.
#include <array>
#include <cstdint>
#include <deque>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "model/digest.h"

namespace sb {

inline constexpr std::string_view kGatewayKeyPrefix = "sk-sb-";
inline constexpr std::size_t kGatewayKeyBodyLength = 40;     // base62 characters after the prefix
inline constexpr std::size_t kGatewayKeyDisplayLength = 10;  // "sk-sb-AbCd": enough to tell keys apart
inline constexpr std::int64_t kGatewayKeyWindowMs = 60'000;  // rpm and tpm are per sliding minute

struct GatewayKeyLimits {
    std::int64_t rpm = 0;           // requests per minute, 0 = none
    std::int64_t tpm = 0;           // tokens per minute, 0 = none
    double monthly_budget_usd = 0;  // per UTC month, 0 = none
    bool operator==(const GatewayKeyLimits&) const = default;
};

// A change to some of a key's limits; the others keep their values.
struct GatewayKeyLimitChange {
    std::optional<std::int64_t> rpm;
    std::optional<std::int64_t> tpm;
    std::optional<double> monthly_budget_usd;
};

// What an operator may see of a key: never the secret, never its hash.
struct GatewayKeyInfo {
    std::string id;      // short random hex, stable
    std::string name;    // "checkout-service"
    std::string prefix;  // the first kGatewayKeyDisplayLength characters of the key
    std::int64_t created_ms = 0;
    std::optional<std::int64_t> revoked_ms;
    GatewayKeyLimits limits;
    double spent_usd = 0;  // in the UTC month starting at spent_month_ms
    std::int64_t spent_month_ms = 0;
    std::optional<std::int64_t> last_used_ms;

    bool revoked() const { return revoked_ms.has_value(); }
    // Spend of the month containing `now_ms`: 0 once the month of spent_month_ms is over.
    double spent_in_month_of(std::int64_t now_ms) const;
};

struct NewGatewayKey {
    GatewayKeyInfo info;
    std::string secret;  // shown once to the operator; not stored anywhere
};

using GatewayKeyDigest = Sha256Digest;

// A key as a fleet of gateways shares it: everything but the secret and the use.
struct GatewayKeyRecord {
    GatewayKeyInfo info;
    GatewayKeyDigest digest{};
};

// Limits and budgets cannot be negative (or not a number).
std::expected<void, std::string> check_limits(const GatewayKeyLimits& limits);
std::expected<void, std::string> check_limit_change(const GatewayKeyLimitChange& change);
// A new key, checked and generated, stored nowhere yet: its record (id, display prefix,
// digest) and its secret.
std::expected<std::pair<NewGatewayKey, GatewayKeyDigest>, std::string> mint_gateway_key(const std::string& name,
                                                                                        const GatewayKeyLimits& limits,
                                                                                        std::int64_t now_ms);

// "sk-sb-" + 40 base62 characters from RAND_bytes, by rejection sampling (no modulo bias).
std::expected<std::string, std::string> generate_gateway_key_secret();
// `bytes` random bytes as lower-case hex.
std::expected<std::string, std::string> random_hex(std::size_t bytes);

bool looks_like_gateway_key(std::string_view text);
GatewayKeyDigest gateway_key_digest(std::string_view secret);
std::optional<GatewayKeyDigest> digest_from_hex(std::string_view hex);

// Requests and tokens of one key in the last minute. Not thread-safe: the store locks.
class GatewayKeyWindow final {
public:
    struct Verdict {
        std::int64_t requests_wait_ms = 0;  // > 0: the rpm limit is reached for that long
        std::int64_t tokens_wait_ms = 0;    // > 0: the estimate fits the tpm limit only then
        bool larger_than_tpm = false;       // the estimate alone exceeds the tpm limit: never fits
        bool fits() const { return requests_wait_ms == 0 && tokens_wait_ms == 0 && !larger_than_tpm; }
    };

    Verdict check(std::int64_t now_ms, const GatewayKeyLimits& limits, std::int64_t estimated_tokens);
    void add_request(std::int64_t now_ms);
    void add_tokens(std::int64_t now_ms, std::int64_t tokens);
    std::int64_t tokens_in_window(std::int64_t now_ms);

private:
    void prune(std::int64_t now_ms);

    std::deque<std::int64_t> m_requests;                         // times, oldest first
    std::deque<std::pair<std::int64_t, std::int64_t>> m_tokens;  // (time, tokens), oldest first
    std::int64_t m_token_sum = 0;
};

// UTC month boundaries and "2025-08-01 00:00 UTC" text for messages and the CLI.
std::int64_t utc_month_start_ms(std::int64_t unix_ms);
std::int64_t utc_next_month_start_ms(std::int64_t unix_ms);
std::string format_utc_ms(std::int64_t unix_ms);

}  // namespace sb
