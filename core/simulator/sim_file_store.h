#pragma once
// The files of OpenAI's Files API as the simulator keeps them: in memory, bounded in count and
// bytes. When a new file would pass a bound the oldest files are forgotten first, as if they
// had expired, so a long demo run never fills the memory.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

struct SimFile {
    std::string id;  // "file-…"
    std::string filename;
    std::string purpose;
    std::int64_t created_at = 0;            // Unix seconds
    std::optional<std::int64_t> expires_at;  // Unix seconds; nullopt: kept until deleted
    std::shared_ptr<const std::string> content;  // shared with batches reading it
};

class SimFileStore {
public:
    explicit SimFileStore(std::size_t max_files = 10'000, std::size_t max_bytes = std::size_t(1) << 30);

    // Stores a new file, created now and expiring `expires_after_s` later (never when nullopt);
    // `entropy` makes its id.
    SimFile add(std::string filename, std::string purpose, std::string content,
                std::optional<std::int64_t> expires_after_s, std::uint64_t entropy);
    std::optional<SimFile> find(std::string_view id) const;
    bool remove(std::string_view id);

    struct Page {
        std::vector<SimFile> files;
        bool has_more = false;
    };
    // Files of `purpose` (every purpose when empty), newest first unless `ascending`, starting
    // after the file `after` (from the start when empty or unknown), at most `limit`.
    Page list(std::string_view purpose, bool ascending, std::size_t limit, std::string_view after) const;

private:
    const std::size_t m_max_files;
    const std::size_t m_max_bytes;
    mutable std::mutex m_mutex;
    std::vector<SimFile> m_files;  // oldest first
    std::size_t m_bytes = 0;
};

}  // namespace sb
