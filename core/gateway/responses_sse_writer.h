#pragma once
// The events of a streamed Responses API answer. From a target that speaks the Responses API
// the upstream's events go out as they came. From any other target they are written from the
// chat deltas, in the order openai-node's responses.stream() checks: response.created (in
// progress, no output), response.in_progress, then per output item output_item.added,
// content_part.added, output_text.delta… (or function_call_arguments.delta…), the .done events
// and output_item.done, and last response.completed (or response.incomplete) with the whole
// final object. Each event is `event: <type>` + `data: {…"type","sequence_number"…}`, the
// sequence numbers counting from 0.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/gateway_errors.h"
#include "model/chat.h"

namespace sb {

class ResponsesSseWriter {
public:
    // `request` is read here only (the object's echoed fields); `model` names the model until
    // the answer names its own.
    ResponsesSseWriter(const ChatRequest& request, std::string response_id, std::int64_t created_at,
                       std::string model);

    // The events one delta gives (possibly none). Deltas of choices after the first are ignored.
    std::string on_delta(const StreamDelta& delta);
    // The events that end the stream: what the deltas left out of `response`, every item
    // closed, and response.completed. Nothing when the upstream's own events were passed on.
    std::string finish(const ChatResponse& response);
    // An `error` event, for a failure after the stream began.
    std::string failure(const GatewayError& error);

private:
    enum class Mode { Undecided, Written, PassedThrough };
    struct Item {
        bool is_message = true;
        int output_index = 0;
        std::string id;
        std::string text;  // a message's text
        std::string call_id;
        std::string name;
        std::string arguments;
    };

    std::string event(std::string_view type, nlohmann::ordered_json fields);
    std::string start();
    std::string text(std::string_view piece);
    std::string tool_call(const ToolCallDelta& piece);
    std::string close_open_item();
    nlohmann::ordered_json item_json(const Item& item) const;

    std::string m_response_id;
    nlohmann::ordered_json m_object;  // the response as it was created; finished at the end
    Mode m_mode = Mode::Undecided;
    std::int64_t m_sequence = 0;  // the next event's sequence_number (passed-through events counted)
    std::vector<Item> m_items;    // in output order
    std::map<int, std::size_t> m_call_items;  // tool call index → its item
    std::optional<std::size_t> m_open;        // the item still open
    int m_messages = 0;
};

}  // namespace sb
