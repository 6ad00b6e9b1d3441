#pragma once
// The gateway's view of one HTTP exchange, independent of the socket code: a parsed request,
// a complete response, and the channel a handler answers through (possibly later, from an
// engine thread, possibly as a stream).
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "model/headers.h"
#include "model/json_string.h"  // json_text

namespace sb {

struct GatewayRequest {
    std::string method;  // "GET", "POST"…
    std::string path;    // without the query string
    std::string query;   // after the '?', as sent; empty when none
    Headers headers;     // names lower-case
    std::string body;
};

struct GatewayResponse {
    int status = 200;
    Headers headers;  // Content-Type included
    std::string body;
};

GatewayResponse json_response(int status, const nlohmann::json& body);
GatewayResponse text_response(int status, std::string content_type, std::string body);

// The bearer token of an Authorization header; empty when there is none.
std::string_view bearer_token(const Headers& headers);

// How a handler answers. Every call is thread-safe, delivered in order, and ignored once the
// client has gone or the response has ended.
class ResponseChannel {
public:
    virtual ~ResponseChannel() = default;
    // A complete response.
    virtual void respond(GatewayResponse response) = 0;
    // A complete response that `make` builds on the connection's own thread when it is due:
    // serialising an answer then costs the engine's transport thread (the one thread every
    // request passes through) nothing. `make` does not run when the client has gone.
    virtual void respond_with(std::move_only_function<GatewayResponse()> make) = 0;
    // A chunked 200 response: the head now, events as they come, then the end.
    virtual void begin_stream(Headers headers) = 0;
    virtual void send(std::string bytes) = 0;
    virtual void end_stream(Headers trailers) = 0;
    // Ends a stream that went wrong after it began: what was sent is flushed, then the
    // connection closes (the client cannot mistake it for a complete answer).
    virtual void abort_stream() = 0;
    // Runs once, on any thread, when the client goes away before the response has ended.
    virtual void on_disconnect(std::function<void()> callback) = 0;
};

}  // namespace sb
