#include "engine/config_version_log.h"

#include <chrono>
#include "model/clock.h"

namespace sb {

namespace {

constexpr std::size_t kLoadedVersions = 500;

}  // namespace

ConfigVersionLog::ConfigVersionLog(const std::filesystem::path& database) {
    if (database.empty()) return;
    auto store = ConfigVersionStore::open(database);
    if (!store) {
        m_error = "config versions: " + store.error().message;
        return;
    }
    if (auto loaded = store->list(kLoadedVersions)) m_versions = std::move(*loaded);
    else m_error = "config versions: " + loaded.error().message;
    m_store.emplace(std::move(*store));
    m_thread = std::thread([this] { run(); });
}

ConfigVersionLog::~ConfigVersionLog() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

ConfigVersion ConfigVersionLog::append(std::string author, std::string summary, std::string config_json) {
    std::lock_guard lock(m_mutex);
    ConfigVersion version;
    // Provisional ids continue the stored sequence; the store assigns the same next id.
    version.id = m_versions.empty() ? 1 : m_versions.back().id + 1;
    version.at_ms = std::max(unix_ms_now(), m_versions.empty() ? 0 : m_versions.back().at_ms);
    version.author = std::move(author);
    version.summary = std::move(summary);
    version.config_json = std::move(config_json);
    m_versions.push_back(version);
    if (m_store) {
        m_pending.push_back(m_versions.size() - 1);
        m_wake.notify_all();
    }
    return version;
}

std::vector<ConfigVersion> ConfigVersionLog::list() const {
    std::lock_guard lock(m_mutex);
    return m_versions;
}

void ConfigVersionLog::flush() {
    std::unique_lock lock(m_mutex);
    m_drained.wait(lock, [this] { return (m_pending.empty() && !m_writing) || !m_thread.joinable(); });
}

std::string ConfigVersionLog::last_error() const {
    std::lock_guard lock(m_mutex);
    return m_error;
}

void ConfigVersionLog::run() {
    std::unique_lock lock(m_mutex);
    while (true) {
        m_wake.wait(lock, [this] { return m_stopping || !m_pending.empty(); });
        if (m_pending.empty()) break;  // stopping with nothing left
        const std::size_t at = m_pending.front();
        m_pending.pop_front();
        ConfigVersion version = m_versions[at];
        version.id = 0;
        m_writing = true;
        lock.unlock();
        auto stored = m_store->append(std::move(version));
        lock.lock();
        m_writing = false;
        if (stored) m_versions[at].id = stored->id;
        else m_error = "config version not stored: " + stored.error().message;
        m_drained.notify_all();
    }
    m_drained.notify_all();
}

}  // namespace sb
