#pragma once
// Config versions: every change an operator applies (routing weights, rules, tiers…) is
// one row — when, who, a one-line summary of what changed, and the whole routing section
// after the change as JSON — so the charts can mark it and an operator can see or undo it.
// Opens its own connection; one ConfigVersionStore per thread.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "store/database.h"

namespace sb {

struct ConfigVersion {
    std::int64_t id = 0;     // 0 = not stored yet
    std::int64_t at_ms = 0;  // wall clock, ms since the Unix epoch
    std::string author;      // "console", "gateway-admin", "cli"
    std::string summary;     // "standard: openai/gpt-4o-mini weight 60 → 30"
    std::string config_json; // the routing section after the change
    bool operator==(const ConfigVersion&) const = default;
};

class ConfigVersionStore final {
public:
    static StoreResult<ConfigVersionStore> open(const std::filesystem::path& file, const DatabaseOptions& options = {});

    StoreResult<ConfigVersion> append(ConfigVersion version);  // returns it with its id
    // The newest `limit` versions at or after `since_ms`, oldest first.
    StoreResult<std::vector<ConfigVersion>> list(std::size_t limit, std::int64_t since_ms = 0);

private:
    explicit ConfigVersionStore(Database db) : m_db(std::move(db)) {}

    Database m_db;
};

}  // namespace sb
