// Rows per second through HistoryWriter versus a naive baseline (one autocommit INSERT per
// row on the same schema and pragmas), measured in the same run.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "bench_results.h"
#include "store/database.h"
#include "store/history_writer.h"

using namespace sb;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kTargetRowsPerSecond = 50'000;

HistoryRecord realistic_record(std::int64_t i) {
    static const char* providers[] = {"openai", "anthropic", "local"};
    static const char* models[] = {"gpt-4o-mini", "claude-3-5-haiku", "llama3"};
    HistoryRecord r;
    r.ts_ms = 1'700'000'000'000 + i * 3;
    r.request_id = "req_" + std::to_string(1'000'000'000 + i);
    r.source = i % 10 == 0 ? "gui" : "gateway";
    r.provider = providers[i % 3];
    r.model = models[i % 3];
    r.tier = i % 4 == 0 ? "smart" : "fast";
    r.status = i % 50 == 0 ? RequestStatus::Error : RequestStatus::Ok;
    if (r.status == RequestStatus::Error) {
        r.error_class = "rate_limited";
        r.error_message = "429 Too Many Requests";
        r.http_status = 429;
    } else {
        r.http_status = 200;
    }
    r.dns_ms = 0.4;
    r.connect_ms = 3.1;
    r.tls_ms = 11.7;
    r.first_byte_ms = 180.0 + static_cast<double>(i % 97);
    r.total_ms = 420.0 + static_cast<double>(i % 613);
    r.tokens_in = 120 + i % 300;
    r.tokens_out = 80 + i % 200;
    r.cost_usd = 0.00012 * static_cast<double>(1 + i % 7);
    r.cache_hit = i % 9 == 0;
    r.prompt_hash = "sha256:" + std::to_string(i * 2654435761u);
    r.prompt_text = "Summarise the following support ticket in two sentences for the on-call engineer. "
                    "Ticket " + std::to_string(i) +
                    ": customer reports intermittent 502 responses from the checkout API since the last "
                    "deploy; retries succeed after a few seconds; region eu-west; plan enterprise; "
                    "attached trace ids follow.";
    r.response_text = "The checkout API has returned intermittent 502s since the latest deploy in eu-west, "
                      "and retries succeed after a few seconds. Check the new release's upstream pool "
                      "settings and roll back if the error rate keeps rising; ticket " + std::to_string(i) + ".";
    return r;
}

double writer_rows_per_second(const std::filesystem::path& file, std::int64_t rows) {
    auto writer = HistoryWriter::open(file);
    if (!writer) {
        std::fprintf(stderr, "%s\n", writer.error().message.c_str());
        return 0;
    }
    const auto start = Clock::now();
    for (std::int64_t i = 0; i < rows; ++i)
        (*writer)->enqueue(realistic_record(i), Overflow::Block);
    if (auto ok = (*writer)->flush(std::chrono::minutes(5)); !ok) {
        std::fprintf(stderr, "%s\n", ok.error().message.c_str());
        return 0;
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const HistoryWriterStats stats = (*writer)->stats();
    std::printf("  HistoryWriter: %lld rows written, %llu dropped, %llu failed commits in %.3f s\n",
                static_cast<long long>(stats.written), static_cast<unsigned long long>(stats.dropped),
                static_cast<unsigned long long>(stats.failed_commits), seconds);
    return stats.written == static_cast<std::uint64_t>(rows) ? static_cast<double>(rows) / seconds : 0;
}

double naive_rows_per_second(const std::filesystem::path& file, std::int64_t rows) {
    auto db = Database::open(file);
    if (!db) {
        std::fprintf(stderr, "%s\n", db.error().message.c_str());
        return 0;
    }
    auto insert = db->prepare(
        "INSERT INTO requests (ts_ms, request_id, source, provider, model, tier, status, error_class,"
        " error_message, http_status, attempts, dns_ms, connect_ms, tls_ms, first_byte_ms, total_ms,"
        " tokens_in, tokens_out, cost_usd, cache_hit, prompt_hash, prompt_text, response_text)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
        " ?21, ?22, ?23)",
        "prepare naive insert");
    if (!insert) {
        std::fprintf(stderr, "%s\n", insert.error().message.c_str());
        return 0;
    }
    const auto start = Clock::now();
    for (std::int64_t i = 0; i < rows; ++i) {
        const HistoryRecord r = realistic_record(i);
        Statement& s = *insert;
        s.bind(1, r.ts_ms);
        s.bind(2, std::string_view(r.request_id));
        s.bind(3, std::string_view(r.source));
        s.bind(4, std::string_view(r.provider));
        s.bind(5, std::string_view(r.model));
        s.bind(6, std::string_view(r.tier));
        s.bind(7, to_string(r.status));
        s.bind_text_or_null(8, r.error_class);
        s.bind_text_or_null(9, r.error_message);
        s.bind(10, std::int64_t{r.http_status});
        s.bind(11, std::int64_t{r.attempts});
        s.bind(12, *r.dns_ms);
        s.bind(13, *r.connect_ms);
        s.bind(14, *r.tls_ms);
        s.bind(15, *r.first_byte_ms);
        s.bind(16, r.total_ms);
        s.bind(17, r.tokens_in);
        s.bind(18, r.tokens_out);
        s.bind(19, r.cost_usd);
        s.bind(20, std::int64_t{r.cache_hit});
        s.bind(21, std::string_view(r.prompt_hash));
        s.bind(22, std::string_view(r.prompt_text));
        s.bind(23, std::string_view(r.response_text));
        if (auto ok = s.run("naive insert"); !ok) {
            std::fprintf(stderr, "%s\n", ok.error().message.c_str());
            return 0;
        }
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("  naive autocommit: %lld rows in %.3f s\n", static_cast<long long>(rows), seconds);
    return static_cast<double>(rows) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
    const std::int64_t writer_rows = argc > 1 ? std::stoll(argv[1]) : 200'000;
    const std::int64_t naive_rows = argc > 2 ? std::stoll(argv[2]) : 5'000;
    const auto dir = std::filesystem::temp_directory_path() / ("bench_history_writer." + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);

    std::printf("bench_history_writer: %lld rows through HistoryWriter, %lld naive rows, ~600 bytes of text per row\n",
                static_cast<long long>(writer_rows), static_cast<long long>(naive_rows));
    const double batched = writer_rows_per_second(dir / "writer.db", writer_rows);
    const double naive = naive_rows_per_second(dir / "naive.db", naive_rows);
    std::filesystem::remove_all(dir);

    std::printf("HistoryWriter:      %10.0f rows/s\n", batched);
    std::printf("naive autocommit:   %10.0f rows/s\n", naive);
    std::printf("speed-up:           %10.1fx\n", naive > 0 ? batched / naive : 0.0);
    const bool pass = batched >= kTargetRowsPerSecond;
    std::printf("target >= %.0f rows/s: %s\n", kTargetRowsPerSecond, pass ? "PASS" : "FAIL");
    sb::bench::summary_row("history", "history writer rows/s", sb::bench::fmt("%.0f /s", batched),
                           sb::bench::fmt("≥ %.0f /s", kTargetRowsPerSecond), pass,
                           sb::bench::fmt("one INSERT per transaction %.0f /s; writer %.1f× it", naive, naive > 0 ? batched / naive : 0.0));
    return pass ? 0 : 1;
}
