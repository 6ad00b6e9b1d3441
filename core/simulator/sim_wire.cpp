#include "simulator/sim_wire.h"

namespace sb {

SimResponse sim_wire_reply(const SimChatRequest& request, const SimReply& reply, std::uint64_t entropy,
                           bool stream_error)
{
    switch (request.wire) {
    case SimWire::anthropic_messages:
        return anthropic_messages_reply(request, reply, entropy, stream_error);
    case SimWire::openai_responses:
        return openai_responses_reply(request, reply, entropy, stream_error);
    default:
        return openai_chat_reply(request, reply, entropy, stream_error);
    }
}

}  // namespace sb
