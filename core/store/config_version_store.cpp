#include "store/config_version_store.h"

#include <algorithm>

namespace sb {

StoreResult<ConfigVersionStore> ConfigVersionStore::open(const std::filesystem::path& file,
                                                         const DatabaseOptions& options) {
    auto db = Database::open(file, OpenMode::ReadWrite, options);
    if (!db)
        return std::unexpected(db.error());
    return ConfigVersionStore(std::move(*db));
}

StoreResult<ConfigVersion> ConfigVersionStore::append(ConfigVersion version) {
    auto stmt = m_db.prepare("INSERT INTO config_versions (at_ms, author, summary, config_json)"
                             " VALUES (?1, ?2, ?3, ?4) RETURNING id",
                             "prepare config version insert");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, version.at_ms);
    stmt->bind(2, std::string_view(version.author));
    stmt->bind(3, std::string_view(version.summary));
    stmt->bind(4, std::string_view(version.config_json));
    auto row = stmt->step("store config version");
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::unexpected(m_db.error("store config version: no row returned"));
    version.id = stmt->int64(0);
    // Step to completion so the write commits before we return.
    if (auto done = stmt->step("finish storing config version"); !done)
        return std::unexpected(done.error());
    return version;
}

StoreResult<std::vector<ConfigVersion>> ConfigVersionStore::list(std::size_t limit, std::int64_t since_ms) {
    auto stmt = m_db.prepare("SELECT id, at_ms, author, summary, config_json FROM config_versions"
                             " WHERE at_ms >= ?1 ORDER BY id DESC LIMIT ?2",
                             "prepare config version list");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, since_ms);
    stmt->bind(2, static_cast<std::int64_t>(limit));
    std::vector<ConfigVersion> versions;
    for (;;) {
        auto row = stmt->step("list config versions");
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        versions.push_back({stmt->int64(0), stmt->int64(1), stmt->text(2), stmt->text(3), stmt->text(4)});
    }
    std::reverse(versions.begin(), versions.end());
    return versions;
}

}  // namespace sb
