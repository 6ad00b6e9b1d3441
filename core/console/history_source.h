#pragma once
// History queries for a page's own worker thread. A call may block — on the disk, or on the
// network for an engine elsewhere — so none runs on the GUI thread; each worker thread opens
// its own source. Rows come with their text opened: text stored encrypted is decrypted, or
// says why it cannot be.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "store/history_query.h"

namespace sb {

class FieldCipher;

class HistorySource {
public:
    virtual ~HistorySource() = default;
    // Newest first, a keyset page at a time (see HistoryReader::page).
    virtual std::expected<HistoryPage, std::string> page(const HistoryFilter& filter,
                                                         std::optional<HistoryCursor> after, int limit) = 0;
    virtual std::expected<std::int64_t, std::string> count(const HistoryFilter& filter) = 0;
    // Per-minute rollups by provider in [since_ms, until_ms): the Dashboard's long ranges.
    virtual std::expected<std::vector<RollupRow>, std::string> rollups(std::int64_t since_ms, std::int64_t until_ms) = 0;
};

// The history database on this machine, opened at the first query on the thread that asks.
// An empty path: history is off, and every query says so. `cipher` (may be null) opens text
// written with privacy.encrypt_history.
std::unique_ptr<HistorySource> local_history_source(std::filesystem::path database, const FieldCipher* cipher);

}  // namespace sb
