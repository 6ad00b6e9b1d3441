#pragma once
#include <string>

namespace sb {

// One dispatched Server-Sent Event (WHATWG event-stream). `event` is empty when the
// stream sent no `event:` line (OpenAI chat completions never does).
struct SseEvent {
    std::string event;
    std::string data;  // `data:` lines joined with '\n'
    std::string id;
};

}  // namespace sb
