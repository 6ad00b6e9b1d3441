#pragma once
// One request as the simulator's server received it: views into the parsed HTTP message.
#include <string_view>

namespace sb {

// Valid for the duration of SimHandler::handle.
struct SimRequest {
    std::string_view method;
    std::string_view target;
    std::string_view body;
    std::string_view host;             // Host: absolute URLs that point back at the simulator
    std::string_view content_type;     // Content-Type: the boundary of a multipart upload
    std::string_view authorization;    // Authorization
    std::string_view api_key;          // x-api-key
    std::string_view sim_key;          // x-sim-key
    std::string_view sim_fault;        // x-sim-fault
    std::string_view sim_fault_times;  // x-sim-fault-times
    std::string_view sim_latency_ms;   // x-sim-latency-ms
    bool sim_echo = false;             // x-sim-echo: answer with the transcript of the request
    std::string_view sim_retry_after;  // x-sim-retry-after
    std::string_view sim_chunk_interval_ms;  // x-sim-chunk-interval-ms: pause between stream chunks
    std::string_view sim_reply_bytes;        // x-sim-reply-bytes: answer size of the `huge` fault
    std::string_view sim_batch_delay_ms;     // x-sim-batch-delay-ms: a new batch's time to completion
};

}  // namespace sb
