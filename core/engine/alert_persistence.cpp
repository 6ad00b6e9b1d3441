#include "engine/alert_persistence.h"

#include <cstdio>
#include <memory>

#include "store/alert_event_store.h"

namespace sb {

std::expected<AlertHistory, std::string> open_alert_history(const std::filesystem::path& database, std::size_t limit) {
    auto store = AlertEventStore::open(database);
    if (!store) return std::unexpected("alert history: " + store.error().message);
    if (auto closed = store->close_unresolved(std::chrono::system_clock::now()); !closed)
        return std::unexpected("alert history: " + closed.error().message);
    auto past = store->recent(limit);
    if (!past) return std::unexpected("alert history: " + past.error().message);

    AlertHistory history;
    history.past = std::move(*past);
    auto shared = std::make_shared<AlertEventStore>(std::move(*store));
    history.save = [shared, reported = false](const std::vector<AlertEvent>& changed) mutable {
        auto saved = shared->save(changed);
        // Said once per failing spell, on stderr: the alerts themselves still show live.
        if (!saved && !reported) std::fprintf(stderr, "switchboard: alert history not saved: %s\n", saved.error().message.c_str());
        reported = !saved;
        return saved.has_value();
    };
    return history;
}

}  // namespace sb
