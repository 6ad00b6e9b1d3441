#pragma once
// Plain values that cross the transport boundary.
#include <chrono>
#include <cstddef>
#include <string>

#include "model/headers.h"

namespace sb {

// Per-phase timings from CURLINFO_*_TIME_T, each measured from the start of the transfer
// (so they are cumulative: dns <= connect <= tls <= first_byte <= total). Milliseconds.
struct PhaseTimings {
    double dns_ms = 0;
    double connect_ms = 0;
    double tls_ms = 0;
    double first_byte_ms = 0;
    double total_ms = 0;
};

struct HttpRequest {
    std::string method = "POST";
    std::string url;
    Headers headers;
    std::string body;
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds total_timeout{600'000};
    // A stream (or any response) that sends no byte for this long is cut off as a timeout.
    std::chrono::milliseconds idle_timeout{60'000};
    // Body bytes accepted, whether accumulated or handed to a data callback; 0 = no limit.
    // Past it the transfer ends with CURLE_FILESIZE_EXCEEDED, so a runaway upstream cannot
    // fill the memory of the process.
    std::size_t max_response_bytes = 0;
};

struct HttpResponse {
    int status = 0;       // 0 when no HTTP response arrived
    Headers headers;      // names lower-case, in arrival order (of the final response)
    std::string body;     // the whole body, unless it was delivered to a data callback
    PhaseTimings timings;
    int curl_code = 0;    // CURLcode; 0 = CURLE_OK
    std::string curl_error;
    long http_version = 0;  // 11, 2, …
    long new_connections = 0;  // connections this transfer opened (0: it reused one)
    bool cancelled = false;
    bool idle_timed_out = false;  // ended by idle_timeout (curl_code is then CURLE_OPERATION_TIMEDOUT)
};

}  // namespace sb
