#include "gateway/gateway_key_store.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "gateway/key_refusals.h"
#include "model/clock.h"
#include "model/text.h"

namespace sb {

namespace {

constexpr std::string_view kSelectKeys =
    "SELECT id, name, prefix, key_sha256, created_ms, revoked_ms, rpm_limit, tpm_limit, monthly_budget_usd,"
    " spent_month_ms, spent_usd, last_used_ms FROM gateway_keys";

Error auth_error(ErrorClass cls, std::string message) {
    Error error;
    error.cls = cls;
    error.message = std::move(message);
    // No http_status: the gateway decided this, not a provider, so callers see this message.
    return error;
}

// "Bearer sk-sb-…" or the bare token.
std::string_view bare_token(std::string_view text) {
    text = trim_space(text);
    constexpr std::string_view kBearer = "bearer ";
    if (text.size() > kBearer.size() && iequals(text.substr(0, kBearer.size()), kBearer))
        text = trim_space(text.substr(kBearer.size()));
    return text;
}

}  // namespace

std::expected<std::unique_ptr<GatewayKeyStore>, std::string> GatewayKeyStore::open(
    const std::filesystem::path& database, std::function<Clock::time_point()> now,
    const GatewayKeyStoreOptions& options) {
    auto db = Database::open(database, OpenMode::ReadWrite);
    if (!db) return std::unexpected(db.error().message);
    std::unique_ptr<GatewayKeyStore> store(new GatewayKeyStore(std::move(*db), std::move(now), options));
    {
        std::lock_guard db_lock(store->m_db_mutex);
        if (auto loaded = store->reload_locked(); !loaded) return std::unexpected(loaded.error());
    }
    store->m_thread = std::thread([raw = store.get()] { raw->run_background(); });
    return store;
}

GatewayKeyStore::GatewayKeyStore(Database db, std::function<Clock::time_point()> now,
                                 const GatewayKeyStoreOptions& options)
    : m_now(std::move(now)), m_options(options), m_db(std::move(db)) {}

GatewayKeyStore::~GatewayKeyStore() {
    {
        std::lock_guard lock(m_thread_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
    (void)flush();
}

std::int64_t GatewayKeyStore::now_ms() const {
    return unix_ms(m_now ? m_now() : Clock::now());
}

// ---- persistence -----------------------------------------------------------------------

std::expected<std::vector<GatewayKeyStore::Row>, std::string> GatewayKeyStore::read_rows() {
    auto stmt = m_db.prepare(kSelectKeys, "prepare gateway key list");
    if (!stmt) return std::unexpected(stmt.error().message);
    std::vector<Row> rows;
    for (;;) {
        auto more = stmt->step("read gateway keys");
        if (!more) return std::unexpected(more.error().message);
        if (!*more) break;
        Row row;
        row.info.id = stmt->text(0);
        row.info.name = stmt->text(1);
        row.info.prefix = stmt->text(2);
        const auto digest = digest_from_hex(stmt->text(3));
        if (!digest) continue;  // a damaged row matches no key
        row.digest = *digest;
        row.info.created_ms = stmt->int64(4);
        if (!stmt->is_null(5)) row.info.revoked_ms = stmt->int64(5);
        row.info.limits = {stmt->int64(6), stmt->int64(7), stmt->real(8)};
        row.info.spent_month_ms = stmt->int64(9);
        row.info.spent_usd = stmt->real(10);
        if (!stmt->is_null(11)) row.info.last_used_ms = stmt->int64(11);
        rows.push_back(std::move(row));
    }
    return rows;
}

void GatewayKeyStore::merge(std::vector<Row> rows) {
    std::map<std::string, std::unique_ptr<Key>> next;
    for (Row& row : rows) {
        std::unique_ptr<Key> key;
        if (auto it = m_keys.find(row.info.id); it != m_keys.end()) {
            key = std::move(it->second);
            // The database's figures plus this process's use not written yet; the minute
            // window stays as it is.
            GatewayKeyInfo info = std::move(row.info);
            if (key->pending_usd != 0) {
                if (key->pending_month_ms == info.spent_month_ms) {
                    info.spent_usd += key->pending_usd;
                } else if (key->pending_month_ms > info.spent_month_ms) {
                    info.spent_usd = key->pending_usd;
                    info.spent_month_ms = key->pending_month_ms;
                }
            }
            if (key->pending_last_used && key->info.last_used_ms > info.last_used_ms)
                info.last_used_ms = key->info.last_used_ms;
            key->info = std::move(info);
            key->digest = row.digest;
        } else {
            key = std::make_unique<Key>();
            key->info = std::move(row.info);
            key->digest = row.digest;
        }
        std::string id = key->info.id;
        next.emplace(std::move(id), std::move(key));
    }
    m_keys = std::move(next);
    m_by_digest.clear();
    for (auto& [id, key] : m_keys) m_by_digest.emplace(key->digest, key.get());
}

std::expected<void, std::string> GatewayKeyStore::reload_locked() {
    auto rows = read_rows();
    if (!rows) return std::unexpected(rows.error());
    std::lock_guard lock(m_mutex);
    merge(std::move(*rows));
    return {};
}

std::expected<void, std::string> GatewayKeyStore::reload() {
    std::lock_guard db_lock(m_db_mutex);
    return reload_locked();
}

void GatewayKeyStore::reload_after_miss() {
    std::lock_guard db_lock(m_db_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (m_last_miss_reload && now - *m_last_miss_reload < m_options.miss_refresh_interval) return;
    m_last_miss_reload = now;
    (void)reload_locked();  // a failed read leaves the index as it was
}

std::expected<void, std::string> GatewayKeyStore::flush() {
    struct Pending {
        std::string id;
        double usd = 0;
        std::int64_t month_ms = 0;
        std::optional<std::int64_t> last_used_ms;
    };
    // The database lock is held from taking the pending use to committing it, so a reload
    // in between cannot see the use in neither place.
    std::lock_guard db_lock(m_db_mutex);
    std::vector<Pending> batch;
    {
        std::lock_guard lock(m_mutex);
        if (!m_dirty) return {};
        for (auto& [id, key] : m_keys) {
            if (key->pending_usd == 0 && !key->pending_last_used) continue;
            batch.push_back({id, key->pending_usd, key->pending_month_ms,
                             key->pending_last_used ? key->info.last_used_ms : std::nullopt});
            key->pending_usd = 0;
            key->pending_last_used = false;
        }
        m_dirty = false;
    }
    if (batch.empty()) return {};

    auto write = [&]() -> StoreResult<void> {
        auto stmt = m_db.prepare(
            "UPDATE gateway_keys SET"
            " spent_usd = CASE WHEN ?2 = 0 THEN spent_usd"
            "                  WHEN spent_month_ms = ?3 THEN spent_usd + ?2"
            "                  WHEN spent_month_ms < ?3 THEN ?2 ELSE spent_usd END,"
            " spent_month_ms = CASE WHEN ?2 <> 0 AND spent_month_ms < ?3 THEN ?3 ELSE spent_month_ms END,"
            " last_used_ms = CASE WHEN ?4 IS NOT NULL AND ?4 > coalesce(last_used_ms, 0) THEN ?4"
            "                     ELSE last_used_ms END"
            " WHERE id = ?1",
            "prepare gateway key usage update");
        if (!stmt) return std::unexpected(stmt.error());
        if (auto ok = m_db.exec("BEGIN IMMEDIATE", "begin gateway key usage update"); !ok) return ok;
        for (const Pending& pending : batch) {
            stmt->bind(1, std::string_view(pending.id));
            stmt->bind(2, pending.usd);
            stmt->bind(3, pending.month_ms);
            if (pending.last_used_ms)
                stmt->bind(4, *pending.last_used_ms);
            else
                stmt->bind_null(4);
            if (auto ok = stmt->run("write gateway key usage"); !ok) {
                (void)m_db.exec("ROLLBACK", "roll back gateway key usage update");
                return ok;
            }
        }
        return m_db.exec("COMMIT", "commit gateway key usage update");
    };
    if (auto written = write(); !written) {
        if (m_db.in_transaction()) (void)m_db.exec("ROLLBACK", "roll back gateway key usage update");
        // Keep the use for the next flush.
        std::lock_guard lock(m_mutex);
        for (const Pending& pending : batch) {
            auto it = m_keys.find(pending.id);
            if (it == m_keys.end()) continue;
            Key& key = *it->second;
            if (key.pending_month_ms == pending.month_ms) key.pending_usd += pending.usd;
            if (pending.last_used_ms) key.pending_last_used = true;
        }
        m_dirty = true;
        return std::unexpected(written.error().message);
    }
    return {};
}

void GatewayKeyStore::run_background() {
    auto next_refresh = std::chrono::steady_clock::now() + m_options.refresh_interval;
    std::unique_lock lock(m_thread_mutex);
    while (!m_stop) {
        m_wake.wait_for(lock, m_options.flush_interval, [this] { return m_stop; });
        if (m_stop) break;
        lock.unlock();
        // A failed write keeps the use pending; the next round tries again.
        (void)flush();
        if (std::chrono::steady_clock::now() >= next_refresh) {
            (void)reload();
            next_refresh = std::chrono::steady_clock::now() + m_options.refresh_interval;
        }
        lock.lock();
    }
}

// ---- operator actions ------------------------------------------------------------------

std::expected<NewGatewayKey, std::string> GatewayKeyStore::create(const std::string& name,
                                                                  const GatewayKeyLimits& limits) {
    auto minted = mint_gateway_key(name, limits, now_ms());
    if (!minted) return std::unexpected(minted.error());
    auto& [created, digest] = *minted;
    if (auto stored = upsert({{created.info, digest}}); !stored) return std::unexpected(stored.error());
    return std::move(created);
}

std::expected<void, std::string> GatewayKeyStore::upsert(const std::vector<GatewayKeyRecord>& records) {
    if (records.empty()) return {};
    std::lock_guard db_lock(m_db_mutex);
    auto write = [&]() -> StoreResult<void> {
        // The record's name, limits and revocation; this instance's use stays. A revocation
        // is never undone.
        auto stmt = m_db.prepare(
            "INSERT INTO gateway_keys (id, name, prefix, key_sha256, created_ms, revoked_ms, rpm_limit, tpm_limit,"
            " monthly_budget_usd, spent_month_ms, spent_usd) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0)"
            " ON CONFLICT(id) DO UPDATE SET name = excluded.name, rpm_limit = excluded.rpm_limit,"
            " tpm_limit = excluded.tpm_limit, monthly_budget_usd = excluded.monthly_budget_usd,"
            " revoked_ms = COALESCE(gateway_keys.revoked_ms, excluded.revoked_ms)",
            "prepare gateway key upsert");
        if (!stmt) return std::unexpected(stmt.error());
        if (auto ok = m_db.exec("BEGIN IMMEDIATE", "begin gateway key upsert"); !ok) return ok;
        for (const auto& [info, digest] : records) {
            stmt->bind(1, std::string_view(info.id));
            stmt->bind(2, std::string_view(info.name));
            stmt->bind(3, std::string_view(info.prefix));
            stmt->bind(4, std::string_view(to_hex(digest)));
            stmt->bind(5, info.created_ms);
            info.revoked_ms ? stmt->bind(6, *info.revoked_ms) : stmt->bind_null(6);
            stmt->bind(7, info.limits.rpm);
            stmt->bind(8, info.limits.tpm);
            stmt->bind(9, info.limits.monthly_budget_usd);
            stmt->bind(10, utc_month_start_ms(info.created_ms));
            if (auto ok = stmt->run("store gateway key record"); !ok) return ok;
        }
        return m_db.exec("COMMIT", "commit gateway key upsert");
    };
    if (auto written = write(); !written) {
        if (m_db.in_transaction()) (void)m_db.exec("ROLLBACK", "roll back gateway key upsert");
        return std::unexpected(written.error().message);
    }
    return reload_locked();
}

std::expected<std::vector<GatewayKeyRecord>, std::string> GatewayKeyStore::records() {
    std::lock_guard db_lock(m_db_mutex);
    if (auto loaded = reload_locked(); !loaded) return std::unexpected(loaded.error());
    std::lock_guard lock(m_mutex);
    std::vector<GatewayKeyRecord> out;
    for (const auto& [id, key] : m_keys) out.push_back({key->info, key->digest});
    return out;
}

std::optional<GatewayKeyInfo> GatewayKeyStore::info(const std::string& key_id) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_keys.find(key_id); it != m_keys.end()) return it->second->info;
    return std::nullopt;
}

std::expected<GatewayKeyInfo, std::string> GatewayKeyStore::find(const std::string& id_or_prefix) {
    std::lock_guard db_lock(m_db_mutex);
    return find_locked(id_or_prefix);
}

std::expected<GatewayKeyInfo, std::string> GatewayKeyStore::find_locked(const std::string& id_or_prefix) {
    std::string_view text = trim_space(id_or_prefix);
    // The prefix as `keys list` shows it, ellipsis and all.
    for (std::string_view ellipsis : {std::string_view("\u2026"), std::string_view("...")})
        if (text.ends_with(ellipsis)) text.remove_suffix(ellipsis.size());
    const std::string wanted(text);
    if (wanted.empty()) return std::unexpected(std::string("which key? give its id or its prefix"));
    if (auto loaded = reload_locked(); !loaded) return std::unexpected(loaded.error());

    std::lock_guard lock(m_mutex);
    std::vector<const Key*> matches;
    if (auto exact = m_keys.find(wanted); exact != m_keys.end()) {
        matches.push_back(exact->second.get());
    } else if (looks_like_gateway_key(wanted)) {
        // A pasted whole key: find it by its hash, never by comparing secrets.
        if (auto it = m_by_digest.find(gateway_key_digest(wanted)); it != m_by_digest.end())
            matches.push_back(it->second);
    } else {
        for (const auto& [id, key] : m_keys)
            if ((wanted.size() >= 4 && id.starts_with(wanted)) ||
                (wanted.size() > kGatewayKeyPrefix.size() && key->info.prefix.starts_with(wanted)))
                matches.push_back(key.get());
    }
    if (matches.empty()) return std::unexpected("no key has the id or prefix '" + wanted + "'");
    if (matches.size() > 1) {
        std::string ids;
        for (const Key* key : matches) ids += (ids.empty() ? "" : ", ") + key->info.id;
        return std::unexpected("'" + wanted + "' matches several keys (" + ids + "); give the whole id");
    }
    return matches.front()->info;
}

std::expected<GatewayKeyInfo, std::string> GatewayKeyStore::info_after_write(const std::string& id) {
    if (auto loaded = reload_locked(); !loaded) return std::unexpected(loaded.error());
    std::lock_guard lock(m_mutex);
    if (auto it = m_keys.find(id); it != m_keys.end()) return it->second->info;
    return std::unexpected("the key " + id + " is no longer in the database");
}

std::expected<GatewayKeyInfo, std::string> GatewayKeyStore::revoke(const std::string& id_or_prefix) {
    std::lock_guard db_lock(m_db_mutex);
    auto target = find_locked(id_or_prefix);
    if (!target || target->revoked()) return target;
    auto stmt = m_db.prepare("UPDATE gateway_keys SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
                             "prepare gateway key revocation");
    if (!stmt) return std::unexpected(stmt.error().message);
    stmt->bind(1, std::string_view(target->id));
    stmt->bind(2, now_ms());
    if (auto ok = stmt->run("revoke gateway key"); !ok) return std::unexpected(ok.error().message);
    return info_after_write(target->id);
}

std::expected<GatewayKeyInfo, std::string> GatewayKeyStore::change_limits(const std::string& id_or_prefix,
                                                                          const GatewayKeyLimitChange& change) {
    if (auto checked = check_limit_change(change); !checked) return std::unexpected(checked.error());
    std::lock_guard db_lock(m_db_mutex);
    auto target = find_locked(id_or_prefix);
    if (!target) return target;
    const auto revoked = [](const GatewayKeyInfo& key) {
        return std::unexpected("the key " + key.id + " \"" + key.name + "\" was revoked; its limits no longer apply");
    };
    if (target->revoked()) return revoked(*target);
    // A limit not given keeps the value in the database (NULL → COALESCE keeps the column).
    auto stmt = m_db.prepare(
        "UPDATE gateway_keys SET rpm_limit = COALESCE(?2, rpm_limit), tpm_limit = COALESCE(?3, tpm_limit), "
        "monthly_budget_usd = COALESCE(?4, monthly_budget_usd) WHERE id = ?1 AND revoked_ms IS NULL",
        "prepare gateway key limits");
    if (!stmt) return std::unexpected(stmt.error().message);
    stmt->bind(1, std::string_view(target->id));
    change.rpm ? stmt->bind(2, *change.rpm) : stmt->bind_null(2);
    change.tpm ? stmt->bind(3, *change.tpm) : stmt->bind_null(3);
    change.monthly_budget_usd ? stmt->bind(4, *change.monthly_budget_usd) : stmt->bind_null(4);
    if (auto ok = stmt->run("change gateway key limits"); !ok) return std::unexpected(ok.error().message);
    // Another process may have revoked it since it was read: then the UPDATE changed nothing.
    auto changed = info_after_write(target->id);
    if (changed && changed->revoked()) return revoked(*changed);
    return changed;
}

std::expected<std::vector<GatewayKeyInfo>, std::string> GatewayKeyStore::list() {
    std::lock_guard db_lock(m_db_mutex);
    if (auto loaded = reload_locked(); !loaded) return std::unexpected(loaded.error());
    std::lock_guard lock(m_mutex);
    std::vector<GatewayKeyInfo> keys;
    keys.reserve(m_keys.size());
    for (const auto& [id, key] : m_keys) keys.push_back(key->info);
    std::sort(keys.begin(), keys.end(), [](const GatewayKeyInfo& a, const GatewayKeyInfo& b) {
        return a.created_ms != b.created_ms ? a.created_ms > b.created_ms : a.id < b.id;
    });
    return keys;
}

// ---- the gateway's questions -----------------------------------------------------------

std::expected<GatewayCaller, Error> GatewayKeyStore::authenticate(std::string_view bearer_token) {
    const std::string_view token = bare_token(bearer_token);
    if (token.empty()) return std::unexpected(auth_error(ErrorClass::Auth, "no API key was given"));
    if (!looks_like_gateway_key(token))
        return std::unexpected(auth_error(ErrorClass::Auth, "the API key is not valid"));
    const GatewayKeyDigest digest = gateway_key_digest(token);
    for (int attempt = 0; attempt < 2; ++attempt) {
        {
            std::lock_guard lock(m_mutex);
            // The index is ordered by digest; a lookup's timing can only tell an attacker
            // about digests, which do not help forge a key. The match itself is confirmed
            // in constant time.
            if (auto it = m_by_digest.find(digest);
                it != m_by_digest.end() && digests_equal(it->first, digest)) {
                Key& key = *it->second;
                if (key.info.revoked())
                    return std::unexpected(auth_error(ErrorClass::Auth, "the API key was revoked"));
                key.info.last_used_ms = now_ms();
                key.pending_last_used = true;
                m_dirty = true;
                return GatewayCaller{key.info.id, key.info.name};
            }
        }
        // Perhaps another process (the CLI) created it since the index was read.
        if (attempt == 0) reload_after_miss();
    }
    return std::unexpected(auth_error(ErrorClass::Auth, "the API key is not valid"));
}

std::expected<void, Error> GatewayKeyStore::admit(const GatewayCaller& caller,
                                                  std::int64_t estimated_tokens) {
    return admit_share(caller, estimated_tokens, {});
}

std::expected<void, Error> GatewayKeyStore::admit_share(const GatewayCaller& caller, std::int64_t estimated_tokens,
                                                        const LimitShare& share) {
    const std::int64_t now = now_ms();
    std::lock_guard lock(m_mutex);
    auto it = m_keys.find(caller.key_id);
    if (it == m_keys.end()) return std::unexpected(auth_error(ErrorClass::Auth, "the API key is not valid"));
    Key& key = *it->second;
    if (key.info.revoked()) return std::unexpected(auth_error(ErrorClass::Auth, "the API key was revoked"));
    // A share is at least one request and one token a minute: never a limit of zero, which means none.
    const auto part = [&](std::int64_t limit) { return limit > 0 ? std::max<std::int64_t>(1, limit / std::max<std::int64_t>(1, share.instances)) : 0; };
    const GatewayKeyLimits limits{part(key.info.limits.rpm), part(key.info.limits.tpm), key.info.limits.monthly_budget_usd};

    if (limits.monthly_budget_usd > 0) {
        const double spent = key.info.spent_in_month_of(now) + share.others_spent_usd;
        if (spent >= limits.monthly_budget_usd) return std::unexpected(key_over_budget(key.info, spent, now));
    }

    const auto verdict = key.window.check(now, limits, estimated_tokens);
    if (verdict.larger_than_tpm) return std::unexpected(key_request_too_large(key.info, estimated_tokens, limits.tpm));
    if (!verdict.fits())
        return std::unexpected(key_rate_limited(key.info, limits, verdict.requests_wait_ms, verdict.tokens_wait_ms));
    if (limits.rpm > 0) key.window.add_request(now);
    return {};
}

void GatewayKeyStore::charge(const GatewayCaller& caller, std::int64_t tokens, double cost_usd) {
    const std::int64_t now = now_ms();
    std::lock_guard lock(m_mutex);
    auto it = m_keys.find(caller.key_id);
    if (it == m_keys.end()) return;
    Key& key = *it->second;
    if (key.info.limits.tpm > 0) key.window.add_tokens(now, tokens);
    if (!(cost_usd > 0) || !std::isfinite(cost_usd)) return;
    const std::int64_t month = utc_month_start_ms(now);
    if (key.info.spent_month_ms != month) {
        key.info.spent_usd = 0;
        key.info.spent_month_ms = month;
    }
    if (key.pending_month_ms != month) {
        // Unwritten spend of a month that is over no longer limits anything.
        key.pending_usd = 0;
        key.pending_month_ms = month;
    }
    key.info.spent_usd += cost_usd;
    key.pending_usd += cost_usd;
    m_dirty = true;
}

}  // namespace sb
