// Several gateways' history as one, merged by time.
#include "console/merged_history.h"

#include <algorithm>
#include <map>

namespace sb {

namespace {

// ⌈a / b⌉ for b > 0 and any a.
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

std::string from_instance(std::size_t index, const std::string& error) {
    return "instance " + std::to_string(index + 1) + " of the fleet: " + error;
}

}  // namespace

MergedHistory::MergedHistory(std::vector<std::unique_ptr<HistorySource>> sources) : m_sources(std::move(sources)) {
    if (m_sources.size() > std::size_t(kMaxSources)) m_sources.resize(std::size_t(kMaxSources));
}

std::expected<HistoryPage, std::string> MergedHistory::page(const HistoryFilter& filter,
                                                            std::optional<HistoryCursor> after, int limit) {
    HistoryPage merged;
    bool more = false;
    for (std::size_t j = 0; j < m_sources.size(); ++j) {
        std::optional<HistoryCursor> own;
        if (after) own = HistoryCursor{after->ts_ms, ceil_div(after->id - std::int64_t(j), kMaxSources)};
        auto page = m_sources[j]->page(filter, own, limit);
        if (!page) return std::unexpected(from_instance(j, page.error()));
        more = more || page->next.has_value();
        for (auto& row : page->rows) {
            row.id = row.id * kMaxSources + std::int64_t(j);
            merged.rows.push_back(std::move(row));
        }
    }
    std::sort(merged.rows.begin(), merged.rows.end(), [](const HistoryRecord& a, const HistoryRecord& b) {
        return a.ts_ms != b.ts_ms ? a.ts_ms > b.ts_ms : a.id > b.id;
    });
    if (merged.rows.size() > std::size_t(std::max(limit, 1))) {
        merged.rows.resize(std::size_t(std::max(limit, 1)));
        more = true;
    }
    if (more && !merged.rows.empty()) merged.next = HistoryCursor{merged.rows.back().ts_ms, merged.rows.back().id};
    return merged;
}

std::expected<std::int64_t, std::string> MergedHistory::count(const HistoryFilter& filter) {
    std::int64_t total = 0;
    for (std::size_t j = 0; j < m_sources.size(); ++j) {
        auto count = m_sources[j]->count(filter);
        if (!count) return std::unexpected(from_instance(j, count.error()));
        total += *count;
    }
    return total;
}

std::expected<std::vector<RollupRow>, std::string> MergedHistory::rollups(std::int64_t since_ms, std::int64_t until_ms) {
    std::map<std::pair<std::int64_t, std::string>, RollupRow> by_minute;
    for (std::size_t j = 0; j < m_sources.size(); ++j) {
        auto rows = m_sources[j]->rollups(since_ms, until_ms);
        if (!rows) return std::unexpected(from_instance(j, rows.error()));
        for (const auto& row : *rows) {
            auto [it, fresh] = by_minute.try_emplace({row.minute_ms, row.provider}, row);
            if (fresh) continue;
            RollupRow& into = it->second;
            into.requests += row.requests;
            into.errors += row.errors;
            into.tokens_in += row.tokens_in;
            into.tokens_out += row.tokens_out;
            into.cost_usd += row.cost_usd;
            into.latency_sum_ms += row.latency_sum_ms;
            into.latency_max_ms = std::max(into.latency_max_ms, row.latency_max_ms);
            into.cache_hits += row.cache_hits;
        }
    }
    std::vector<RollupRow> rows;
    rows.reserve(by_minute.size());
    for (auto& [key, row] : by_minute) rows.push_back(std::move(row));
    return rows;
}

}  // namespace sb
