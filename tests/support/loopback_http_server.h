#pragma once
// A scripted HTTP/1.1 server on 127.0.0.1 for transport tests and benchmarks.
// Keep-alive; the behaviour is chosen by the request path:
//   /ok                   200 {"ok":true}
//   /echo                 200, echoes the request body; a few response headers in mixed case
//   /status/<code>        <code> with a JSON error body
//   /stream               200 text/event-stream, chunked: the stream payload in N writes with delays
//   /stream-forever       200 chunked, one SSE event every 20 ms until the client goes away
//   /stall                200 chunked, one SSE event, then silence
//   /drip/<n>/<ms>        200 chunked, n small chunks <ms> apart
//   /hang                 reads the request and never answers
//   /slow-headers/<ms>    waits <ms>, then answers like /ok
//   /interim              a 1xx response with its own header, then the final 200
//   /reset                closes the connection with a TCP RST (SO_LINGER 0)
//   /close                200 with Connection: close
//   /ok-drop-next         like /ok, then the next request on that connection is dropped unanswered
//                         (a kept-alive connection the server closed while it sat idle)
//   /v1/chat/completions  200, an OpenAI chat.completion saying "answered by the loopback server"
// A target in absolute form ("http://host:port/ok", as a client sends it to a proxy) is served
// by its path, so the server can stand in for a forward proxy; recorded() keeps it as sent.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::test {

struct RecordedRequest {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
    std::string body;

    std::string header(std::string_view name) const;
    bool has_header(std::string_view name) const;
};

class LoopbackHttpServer {
public:
    LoopbackHttpServer();
    ~LoopbackHttpServer();

    LoopbackHttpServer(const LoopbackHttpServer&) = delete;
    LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

    std::uint16_t port() const;
    std::string url(std::string_view path) const {
        return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
    }

    std::size_t accepted_connections() const;
    std::size_t requests_received() const;
    std::vector<RecordedRequest> recorded() const;

    // What /stream sends: `payload` cut into `pieces` writes, `delay` apart.
    void set_stream(std::string payload, int pieces, std::chrono::milliseconds delay);

    // A port on which nothing listens (it was bound, then released).
    static std::uint16_t closed_port();

private:
    struct Server;
    std::unique_ptr<Server> m_server;
};

}  // namespace sb::test
