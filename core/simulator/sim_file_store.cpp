#include "simulator/sim_file_store.h"

#include <algorithm>

#include "model/clock.h"
#include "simulator/sim_chat.h"

namespace sb {

SimFileStore::SimFileStore(std::size_t max_files, std::size_t max_bytes)
    : m_max_files(max_files), m_max_bytes(max_bytes)
{
}

SimFile SimFileStore::add(std::string filename, std::string purpose, std::string content,
                          std::optional<std::int64_t> expires_after_s, std::uint64_t entropy)
{
    SimFile file;
    file.id = "file-" + sim_random_chars(entropy ^ 0xf11eULL, 22, false);
    file.filename = std::move(filename);
    file.purpose = std::move(purpose);
    file.created_at = unix_seconds_now();
    if (expires_after_s)
        file.expires_at = file.created_at + *expires_after_s;
    file.content = std::make_shared<const std::string>(std::move(content));

    std::lock_guard lock(m_mutex);
    const std::size_t size = file.content->size();
    while (!m_files.empty() && (m_files.size() >= m_max_files || m_bytes + size > m_max_bytes)) {
        m_bytes -= m_files.front().content->size();
        m_files.erase(m_files.begin());
    }
    m_bytes += size;
    m_files.push_back(file);
    return file;
}

std::optional<SimFile> SimFileStore::find(std::string_view id) const
{
    std::lock_guard lock(m_mutex);
    const auto it = std::ranges::find(m_files, id, &SimFile::id);
    if (it == m_files.end())
        return std::nullopt;
    return *it;
}

bool SimFileStore::remove(std::string_view id)
{
    std::lock_guard lock(m_mutex);
    const auto it = std::ranges::find(m_files, id, &SimFile::id);
    if (it == m_files.end())
        return false;
    m_bytes -= it->content->size();
    m_files.erase(it);
    return true;
}

SimFileStore::Page SimFileStore::list(std::string_view purpose, bool ascending, std::size_t limit,
                                      std::string_view after) const
{
    std::lock_guard lock(m_mutex);
    std::vector<const SimFile*> order;
    for (const auto& file : m_files)
        if (purpose.empty() || file.purpose == purpose)
            order.push_back(&file);
    if (!ascending)
        std::ranges::reverse(order);
    auto start = order.begin();
    if (!after.empty()) {
        const auto cursor = std::ranges::find(order, after, [](const SimFile* file) -> const std::string& {
            return file->id;
        });
        if (cursor != order.end())
            start = cursor + 1;
    }
    Page page;
    for (auto it = start; it != order.end() && page.files.size() < limit; ++it)
        page.files.push_back(**it);
    page.has_more = static_cast<std::size_t>(order.end() - start) > page.files.size();
    return page;
}

}  // namespace sb
