#pragma once
// The state of one HTTP transfer while the transport thread runs it, and the glue between it
// and its libcurl easy handle. Used only by HttpClient's loop.
#include <chrono>
#include <cstdint>
#include <memory>

#include "transport/curl_handles.h"
#include "transport/http_client.h"

namespace sb {

using TransportClock = std::chrono::steady_clock;

struct Transfer {
    enum class BodyMode { Undecided, Stream, Accumulate };

    std::uint64_t id = 0;
    HttpRequest request;
    HttpClient::DoneCallback on_done;
    HttpClient::DataCallback on_data;
    HttpResponse response;

    CurlEasy easy;
    CurlSlist header_list;
    bool in_multi = false;
    std::size_t slot = 0;  // index in the loop's list of active transfers
    TransportClock::time_point last_activity;
    BodyMode body_mode = BodyMode::Undecided;
    int header_status = 0;  // from the latest status line
    bool data_callback_failed = false;
    std::size_t body_bytes = 0;     // received so far, against request.max_response_bytes
    bool body_too_large = false;
    char error_buffer[CURL_ERROR_SIZE] = {};
};

// Sets every option of transfer.easy (a fresh or reset handle) for transfer.request.
// Returns CURLE_OK or the code of the first option that failed.
CURLcode configure_transfer(Transfer& transfer, const HttpClientOptions& options);

// After the transfer ended (or was stopped): status, timings and HTTP version into
// transfer.response. Returns the number of new connections the transfer made.
long collect_transfer_info(Transfer& transfer);

}  // namespace sb
