#include "store/history_query.h"

#include <algorithm>
#include <type_traits>
#include <variant>

namespace sb {

namespace {

constexpr std::string_view kColumns =
    "id, ts_ms, request_id, source, provider, model, tier, status, error_class, error_message, "
    "http_status, attempts, dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms, tokens_in, "
    "tokens_out, cost_usd, cache_hit, prompt_hash, prompt_text, response_text, batch_id, batch_line, route_reason";

using Param = std::variant<std::int64_t, double, std::string>;

// The WHERE clause for a filter, with its parameters in order.
struct Where {
    std::string sql;
    std::vector<Param> params;

    void add(std::string_view condition, Param value) {
        sql += sql.empty() ? " WHERE " : " AND ";
        sql += condition;
        params.push_back(std::move(value));
    }
};

Where where_for(const HistoryFilter& f) {
    Where w;
    if (f.since_ms)
        w.add("ts_ms >= ?", *f.since_ms);
    if (f.until_ms)
        w.add("ts_ms < ?", *f.until_ms);
    if (!f.provider.empty())
        w.add("provider = ?", f.provider);
    if (!f.model.empty())
        w.add("model = ?", f.model);
    if (!f.source.empty())
        w.add("source = ?", f.source);
    if (f.status)
        w.add("status = ?", std::string(to_string(*f.status)));
    if (!f.error_class.empty())
        w.add("error_class = ?", f.error_class);
    if (!f.request_id.empty())
        w.add("request_id = ?", f.request_id);
    if (!f.batch_id.empty())
        w.add("batch_id = ?", f.batch_id);
    if (!f.text_contains.empty()) {
        // instr() rather than LIKE: no wildcard escaping, and '%' or '_' match literally.
        w.add("(instr(prompt_text, ?) > 0 OR instr(response_text, ?) > 0)", f.text_contains);
        w.params.emplace_back(f.text_contains);
    }
    if (f.min_latency_ms)
        w.add("total_ms >= ?", *f.min_latency_ms);
    return w;
}

void bind_all(Statement& stmt, const std::vector<Param>& params) {
    for (std::size_t i = 0; i < params.size(); ++i) {
        const int index = static_cast<int>(i) + 1;
        std::visit([&](const auto& value) {
            if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::string>)
                stmt.bind(index, std::string_view(value));
            else
                stmt.bind(index, value);
        }, params[i]);
    }
}

std::optional<double> optional_real(const Statement& s, int column) {
    return s.is_null(column) ? std::nullopt : std::optional<double>(s.real(column));
}

HistoryRecord read_record(const Statement& s) {
    HistoryRecord r;
    r.id = s.int64(0);
    r.ts_ms = s.int64(1);
    r.request_id = s.text(2);
    r.source = s.text(3);
    r.provider = s.text(4);
    r.model = s.text(5);
    r.tier = s.text(6);
    r.status = request_status_from_string(s.text(7)).value_or(RequestStatus::Error);
    r.error_class = s.text(8);
    r.error_message = s.text(9);
    r.http_status = static_cast<int>(s.int64(10));
    r.attempts = static_cast<int>(s.int64(11));
    r.dns_ms = optional_real(s, 12);
    r.connect_ms = optional_real(s, 13);
    r.tls_ms = optional_real(s, 14);
    r.first_byte_ms = optional_real(s, 15);
    r.total_ms = s.real(16);
    r.tokens_in = s.int64(17);
    r.tokens_out = s.int64(18);
    r.cost_usd = s.real(19);
    r.cache_hit = s.int64(20) != 0;
    r.prompt_hash = s.text(21);
    r.prompt_text = s.text(22);
    r.response_text = s.text(23);
    r.batch_id = s.text(24);
    if (!s.is_null(25))
        r.batch_line = s.int64(25);
    r.route_reason = s.text(26);
    return r;
}

}  // namespace

StoreResult<HistoryReader> HistoryReader::open(const std::filesystem::path& file, const DatabaseOptions& options) {
    // Read-write so that a reader opened first on a fresh install still finds the schema;
    // it never writes history rows itself.
    auto db = Database::open(file, OpenMode::ReadWrite, options);
    if (!db)
        return std::unexpected(db.error());
    return HistoryReader(std::move(*db));
}

StoreResult<HistoryPage> HistoryReader::page(const HistoryFilter& filter, std::optional<HistoryCursor> after,
                                             int limit) {
    limit = std::clamp(limit, 1, 10'000);
    Where w = where_for(filter);
    if (after) {
        w.sql += w.sql.empty() ? " WHERE " : " AND ";
        w.sql += "(ts_ms, id) < (?, ?)";
        w.params.emplace_back(after->ts_ms);
        w.params.emplace_back(after->id);
    }
    // One row more than asked tells whether an older page exists.
    w.params.emplace_back(std::int64_t{limit} + 1);
    const std::string sql = "SELECT " + std::string(kColumns) + " FROM requests" + w.sql +
                            " ORDER BY ts_ms DESC, id DESC LIMIT ?";
    auto stmt = m_db.prepare(sql, "prepare history page query");
    if (!stmt)
        return std::unexpected(stmt.error());
    bind_all(*stmt, w.params);
    HistoryPage page;
    for (;;) {
        auto row = stmt->step("read history page");
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        page.rows.push_back(read_record(*stmt));
    }
    if (page.rows.size() > static_cast<std::size_t>(limit)) {
        page.rows.pop_back();
        page.next = HistoryCursor{page.rows.back().ts_ms, page.rows.back().id};
    }
    return page;
}

StoreResult<std::int64_t> HistoryReader::count(const HistoryFilter& filter) {
    const Where w = where_for(filter);
    auto stmt = m_db.prepare("SELECT count(*) FROM requests" + w.sql, "prepare history count");
    if (!stmt)
        return std::unexpected(stmt.error());
    bind_all(*stmt, w.params);
    auto row = stmt->step("count history rows");
    if (!row)
        return std::unexpected(row.error());
    return *row ? stmt->int64(0) : 0;
}

StoreResult<std::vector<RollupRow>> HistoryReader::rollups(std::int64_t since_ms, std::int64_t until_ms,
                                                           RollupGrouping grouping) {
    const bool by_provider = grouping == RollupGrouping::ByProvider;
    const std::string group = by_provider ? "minute_ms, provider" : "minute_ms";
    const std::string sql = "SELECT minute_ms, " + std::string(by_provider ? "provider" : "''") +
                            ", sum(requests), sum(errors), sum(tokens_in), sum(tokens_out), sum(cost_usd),"
                            " sum(latency_sum_ms), max(latency_max_ms), sum(cache_hits)"
                            " FROM rollup_minute WHERE minute_ms >= ?1 AND minute_ms < ?2 GROUP BY " +
                            group + " ORDER BY " + group;
    auto stmt = m_db.prepare(sql, "prepare rollup query");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, since_ms);
    stmt->bind(2, until_ms);
    std::vector<RollupRow> rows;
    for (;;) {
        auto row = stmt->step("read rollups");
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        const Statement& s = *stmt;
        rows.push_back(RollupRow{s.int64(0), s.text(1), s.int64(2), s.int64(3), s.int64(4), s.int64(5), s.real(6),
                                 s.real(7), s.real(8), s.int64(9)});
    }
    return rows;
}

StoreResult<std::vector<DailySpend>> HistoryReader::spend_by_day(std::int64_t since_ms) {
    constexpr std::int64_t kDayMs = 86'400'000;
    auto stmt = m_db.prepare("SELECT (minute_ms / 86400000) AS day, provider, sum(cost_usd) FROM rollup_minute"
                             " WHERE minute_ms >= ?1 GROUP BY day, provider ORDER BY day, provider",
                             "prepare spend query");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, since_ms);
    std::vector<DailySpend> rows;
    for (;;) {
        auto row = stmt->step("read spend per day");
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        rows.push_back(DailySpend{stmt->int64(0) * kDayMs, stmt->text(1), stmt->real(2)});
    }
    return rows;
}

}  // namespace sb
