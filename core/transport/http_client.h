#pragma once
// Asynchronous HTTP client: one thread owns a libcurl multi handle and every easy handle.
// Other threads hand requests in through a queue and wake that thread with curl_multi_wakeup.
// A thread that lent its own event loop (LoopTransport::Scope, the gateway's threads) runs its
// plain-http requests there instead, without the hand-off; their callbacks run on that thread.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "transport/http_types.h"

namespace sb {

struct HttpClientOptions {
    long max_host_connections = 0;   // 0 = no limit
    long max_total_connections = 0;  // 0 = no limit
    std::string ca_bundle;           // PEM file; empty = the system's trust store
    // Idle connections kept for reuse. curl's default follows the number of transfers in
    // flight, so it closes connections whenever a burst drains; a fixed size keeps them.
    long connection_cache_size = 256;  // 0 = curl's default
    std::size_t easy_pool_size = 64; // finished easy handles kept for reuse
};

struct HttpClientStats {
    std::uint64_t in_flight = 0;        // sent and not yet completed
    std::uint64_t started = 0;          // send() calls
    std::uint64_t completed = 0;        // done callbacks run (any outcome)
    std::uint64_t cancelled = 0;        // completed with cancelled = true
    std::uint64_t idle_timeouts = 0;    // ended by the idle timeout
    std::uint64_t new_connections = 0;  // sum of CURLINFO_NUM_CONNECTS (libcurl transfers)
    std::uint64_t on_lent_loops = 0;    // of `started`, run on a caller's LoopTransport
};

class HttpClient final {
public:
    // Runs on the transport thread (or inline in send() once the client is shutting down), or
    // on the lending thread for a LoopTransport transfer. Must be short and must not block.
    using DoneCallback = std::function<void(HttpResponse&&)>;
    // Streamed body bytes of a 2xx response; runs where the done callback runs.
    using DataCallback = std::function<void(std::string_view)>;

    explicit HttpClient(HttpClientOptions options = {});
    // Cancels everything in flight (done callbacks see cancelled = true) and joins the thread.
    ~HttpClient();

    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Thread-safe and never blocks on I/O. on_done runs exactly once per call, whatever happens.
    // With on_data, a 2xx body goes to on_data and HttpResponse::body stays empty; any other
    // status keeps its body in HttpResponse::body so the error can be classified.
    std::uint64_t send(HttpRequest request, DoneCallback on_done, DataCallback on_data = {});

    // Thread-safe. The transfer ends with cancelled = true unless it already completed;
    // unknown or finished ids are ignored.
    void cancel(std::uint64_t id);

    HttpClientStats stats() const;

private:
    class Loop;
    std::unique_ptr<Loop> m_loop;
    struct LentCounters;  // of the transfers run on a lent LoopTransport
    std::shared_ptr<LentCounters> m_lent;
};

}  // namespace sb
