#pragma once
// One finished request as the history stores it: one row of `requests`, plus, for a batch
// line, the output line that goes into `batch_results` in the same transaction.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

enum class RequestStatus { Ok, Error, Cancelled };

std::string_view to_string(RequestStatus status);  // "ok" | "error" | "cancelled" (stored)
std::optional<RequestStatus> request_status_from_string(std::string_view text);

struct HistoryRecord {
    std::int64_t id = 0;     // assigned by the store; 0 until read back
    std::int64_t ts_ms = 0;  // request start, ms since the Unix epoch
    std::string request_id;  // unique; a second record with the same id is skipped and counted
    std::string source;      // ingress: "gui", "gateway", "batch"…
    std::string provider;
    std::string model;
    std::string tier;
    std::string route_reason;  // why this tier and target; skipped targets and failovers included
    RequestStatus status = RequestStatus::Ok;
    std::string error_class;  // sb::to_string(ErrorClass); empty when ok
    std::string error_message;
    int http_status = 0;
    int attempts = 1;
    // Transfer phases in ms; unset when the phase did not happen (cache hit, reused connection).
    std::optional<double> dns_ms;
    std::optional<double> connect_ms;
    std::optional<double> tls_ms;
    std::optional<double> first_byte_ms;
    double total_ms = 0;
    std::int64_t tokens_in = 0;
    std::int64_t tokens_out = 0;
    double cost_usd = 0;
    bool cache_hit = false;
    std::string prompt_hash;
    std::string prompt_text;
    std::string response_text;
    std::string batch_id;  // empty: not part of a batch
    std::optional<std::int64_t> batch_line;
    // Set for a batch line whose output is final: stored in batch_results with this row.
    std::string custom_id;
    std::optional<std::string> output_json;
};

}  // namespace sb
