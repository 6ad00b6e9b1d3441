#pragma once
// What the server should do with one request: a plain value, free of any socket type, so the
// wire formats can be built and reasoned about apart from the Beast server.
#include <string>
#include <vector>

#include "model/headers.h"
#include "simulator/sim_outcome.h"

namespace sb {

struct SimEvent {
    std::string bytes;   // one complete SSE event, blank line included
    bool paced = false;  // waits chunk_interval_ms before it is sent
};

struct SimResponse {
    enum class Action { reply, stream, hang, reset };
    Action action = Action::reply;
    int status = 200;
    Headers headers;             // content-type included; framing headers are the server's job
    std::string body;            // Action::reply
    std::vector<SimEvent> events;  // Action::stream
    double delay_ms = 0;         // before the first byte
    double chunk_interval_ms = 0;
    // A connection that dies mid-answer: after `ending_after` events (stream) or body bytes
    // (reply) the rest is never sent; the server goes silent or resets the connection.
    enum class Ending { complete, stall, reset };
    Ending ending = Ending::complete;
    std::size_t ending_after = 0;
    SimOutcome outcome = SimOutcome::ok;
    SimEndpoint endpoint = SimEndpoint::other;
};

}  // namespace sb
