#pragma once
// The history of several gateways (a fleet's instances) as one, newest first: each page is the
// instances' own pages merged by time, counts are summed, and rollups of the same minute and
// provider added together. A row's id becomes its own id × kMaxSources + its instance's index,
// so ids stay unique and a cursor says where every instance stands: the rows older than
// (t, id) in the merged order are, on instance j, its rows older than
// (t, ⌈(id − j) / kMaxSources⌉). Pages stay exact across instances whose rows share a time.
#include <memory>
#include <vector>

#include "console/history_source.h"

namespace sb {

class MergedHistory final : public HistorySource {
public:
    static constexpr std::int64_t kMaxSources = 64;

    // At most kMaxSources; the first is the instance a console attached to.
    explicit MergedHistory(std::vector<std::unique_ptr<HistorySource>> sources);

    std::expected<HistoryPage, std::string> page(const HistoryFilter& filter, std::optional<HistoryCursor> after,
                                                 int limit) override;
    std::expected<std::int64_t, std::string> count(const HistoryFilter& filter) override;
    std::expected<std::vector<RollupRow>, std::string> rollups(std::int64_t since_ms, std::int64_t until_ms) override;

private:
    std::vector<std::unique_ptr<HistorySource>> m_sources;
};

}  // namespace sb
