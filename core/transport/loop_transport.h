#pragma once
// HTTP/1.1 transfers that run on the calling thread's own Asio event loop.
//
// The gateway's threads each run an io_context. A request that arrives on one goes to the
// engine and on to the upstream; through HttpClient's transport thread that costs two extra
// thread hand-offs per request (there and back), which on a loopback or LAN upstream are most
// of what the gateway adds. A gateway thread lends its loop instead (LoopTransport::Scope):
// HttpClient::send then runs plain-http transfers on it, and the engine's callbacks come back
// on the thread that owns the caller's connection. https, and any thread without a loop, stay
// with libcurl; so does plain http when a proxy is set in the environment (libcurl honours it).
//
// Failures are reported in the transport's one vocabulary, CURLcode, so the engine classifies
// them exactly as it does libcurl's.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "transport/http_types.h"

namespace boost::asio {
class io_context;
}

namespace sb {

class LoopTransport final {
public:
    using DoneCallback = std::function<void(HttpResponse&&)>;
    using DataCallback = std::function<void(std::string_view)>;

    explicit LoopTransport(boost::asio::io_context& context);
    // Ends every transfer still running with cancelled = true (callbacks run here), closes the
    // kept-alive connections. Call it on the loop's thread once run() has returned.
    ~LoopTransport();
    LoopTransport(const LoopTransport&) = delete;
    LoopTransport& operator=(const LoopTransport&) = delete;

    // Lends `transport` to HttpClient::send on this thread for the scope's lifetime.
    class Scope {
    public:
        explicit Scope(LoopTransport& transport);
        ~Scope();
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;

    private:
        LoopTransport* m_previous;
    };

    // The transport lent to the calling thread, or nullptr.
    static LoopTransport* current();

    // Whether send() may run this request: plain http, and no proxy in the environment.
    static bool takes(const HttpRequest& request);

    // On the loop's thread only. on_done runs exactly once, on the loop's thread and never
    // inside send(); on_data as HttpClient's. The id is unique across all loops and HttpClient.
    std::uint64_t send(HttpRequest request, DoneCallback on_done, DataCallback on_data);

    // Whether `id` came from a LoopTransport; cancel_any() routes it to its loop (any thread,
    // ignored once the transfer or its loop is gone).
    static bool owns(std::uint64_t id);
    static void cancel_any(std::uint64_t id);

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace sb
