#pragma once
// Gateway API keys in the history database (table gateway_keys), with their limits and
// budgets enforced in memory. Keys are looked up by the SHA-256 of the bearer token in an
// index loaded at open; the table is re-read when an unknown key is presented (at most once
// a second) and periodically, so keys created or revoked by another process (the CLI) take
// effect without a restart. Spend and last use are written back in batches by a background
// thread and on destruction, never synchronously per request. Thread-safe.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/gateway_auth.h"
#include "gateway/gateway_keys.h"
#include "store/database.h"

namespace sb {

struct GatewayKeyStoreOptions {
    // How often pending spend and last-use times are written to the database.
    std::chrono::milliseconds flush_interval{1'000};
    // How often the table is re-read, so a revocation by another process applies here.
    std::chrono::milliseconds refresh_interval{5'000};
    // Re-reads of the table caused by unknown keys are at most this frequent.
    std::chrono::milliseconds miss_refresh_interval{1'000};
};

// While a fleet's shared counters are out of reach, each instance enforces its share: rpm and
// tpm divided by the instances last seen, and the monthly budget against the fleet's spend as
// last read plus this instance's own since.
struct LimitShare {
    std::int64_t instances = 1;
    double others_spent_usd = 0;  // this month, by the other instances
};

class GatewayKeyStore final : public GatewayAuth {
public:
    using Clock = std::chrono::system_clock;

    // `now` drives limits, budgets and timestamps (tests inject a clock); the refresh and
    // flush timers always run on real time.
    static std::expected<std::unique_ptr<GatewayKeyStore>, std::string> open(
        const std::filesystem::path& database, std::function<Clock::time_point()> now = {},
        const GatewayKeyStoreOptions& options = {});

    GatewayKeyStore(const GatewayKeyStore&) = delete;
    GatewayKeyStore& operator=(const GatewayKeyStore&) = delete;
    ~GatewayKeyStore() override;  // flushes pending spend

    // The only time the secret is returned.
    std::expected<NewGatewayKey, std::string> create(const std::string& name, const GatewayKeyLimits& limits);
    // By id, a unique start of an id (4+ characters) or the key's display prefix. Revoking a
    // revoked key is not an error; it keeps its first revocation time.
    std::expected<GatewayKeyInfo, std::string> revoke(const std::string& id_or_prefix);
    // A limit not given keeps its value. Other processes using the file (a running gateway)
    // apply the change on their next re-read. A revoked key's limits cannot be changed.
    std::expected<GatewayKeyInfo, std::string> change_limits(const std::string& id_or_prefix,
                                                             const GatewayKeyLimitChange& change);
    // Every key, newest first, as the database has it plus this process's unflushed use.
    std::expected<std::vector<GatewayKeyInfo>, std::string> list();

    std::expected<GatewayCaller, Error> authenticate(std::string_view bearer_token) override;
    // Counts the request against rpm; checks the estimate against tpm without reserving it
    // (charge adds the real tokens), so requests in flight together can overshoot tpm a little.
    // An estimate above the whole tpm limit is RequestTooLarge: waiting would not help.
    std::expected<void, Error> admit(const GatewayCaller& caller, std::int64_t estimated_tokens) override;
    void charge(const GatewayCaller& caller, std::int64_t tokens, double cost_usd) override;
    // admit() against a share of the limits.
    std::expected<void, Error> admit_share(const GatewayCaller& caller, std::int64_t estimated_tokens,
                                           const LimitShare& share);

    // For a fleet: a key as this instance has it (null when unknown), the one an id or prefix
    // names, every key's record, and records from the fleet written here (name, limits and
    // revocation; this instance's use stays; a revocation is never undone).
    std::optional<GatewayKeyInfo> info(const std::string& key_id);
    std::expected<GatewayKeyInfo, std::string> find(const std::string& id_or_prefix);
    std::expected<std::vector<GatewayKeyRecord>, std::string> records();
    std::expected<void, std::string> upsert(const std::vector<GatewayKeyRecord>& records);

    // Writes pending spend and last-use times now.
    std::expected<void, std::string> flush();
    // Re-reads the table now.
    std::expected<void, std::string> reload();

private:
    struct Key {
        GatewayKeyInfo info;
        GatewayKeyDigest digest{};
        GatewayKeyWindow window;
        // Use not yet written to the database: spend of the month pending_month_ms.
        double pending_usd = 0;
        std::int64_t pending_month_ms = 0;
        bool pending_last_used = false;
    };
    struct Row {
        GatewayKeyInfo info;
        GatewayKeyDigest digest{};
    };

    GatewayKeyStore(Database db, std::function<Clock::time_point()> now,
                    const GatewayKeyStoreOptions& options);

    std::int64_t now_ms() const;
    std::expected<std::vector<Row>, std::string> read_rows();  // m_db_mutex held
    void merge(std::vector<Row> rows);                         // m_mutex held
    std::expected<void, std::string> reload_locked();          // m_db_mutex held
    // The one key an id, a listed prefix or a whole secret names, re-read first; m_db_mutex held.
    std::expected<GatewayKeyInfo, std::string> find_locked(const std::string& id_or_prefix);
    // A key as the database has it after a change to it; m_db_mutex held.
    std::expected<GatewayKeyInfo, std::string> info_after_write(const std::string& id);
    void reload_after_miss();
    void run_background();

    const std::function<Clock::time_point()> m_now;
    const GatewayKeyStoreOptions m_options;

    // Lock order: m_db_mutex before m_mutex, never the other way round.
    std::mutex m_db_mutex;
    Database m_db;
    std::optional<std::chrono::steady_clock::time_point> m_last_miss_reload;  // m_db_mutex

    std::mutex m_mutex;
    std::map<std::string, std::unique_ptr<Key>> m_keys;  // by id
    std::map<GatewayKeyDigest, Key*> m_by_digest;
    bool m_dirty = false;

    std::mutex m_thread_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_thread;
};

}  // namespace sb
