#pragma once
// The engine's record of applied config changes: an in-memory list the UI reads without
// touching the disk (chart markers, the Routing page), written through to the history
// database by one background thread so that applying a change never waits on SQLite.
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/config_version_store.h"

namespace sb {

class ConfigVersionLog {
public:
    // `database` empty: versions live in memory only. An unreadable database is not fatal:
    // the error is kept in last_error() and versions stay in memory.
    explicit ConfigVersionLog(const std::filesystem::path& database);
    ~ConfigVersionLog();  // writes what is queued, then stops

    ConfigVersion append(std::string author, std::string summary, std::string config_json);
    std::vector<ConfigVersion> list() const;  // oldest first
    void flush();                              // waits until every appended version is stored
    std::string last_error() const;

private:
    void run();

    mutable std::mutex m_mutex;
    std::condition_variable m_wake, m_drained;
    std::vector<ConfigVersion> m_versions;
    std::deque<std::size_t> m_pending;  // indexes into m_versions not yet stored
    bool m_writing = false;
    bool m_stopping = false;
    std::string m_error;
    std::optional<ConfigVersionStore> m_store;
    std::thread m_thread;
};

}  // namespace sb
