#pragma once
// What the provider targets (fuzz_{openai,anthropic}_{response,stream}.cpp) check, shared
// because both providers promise the same.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.h"
#include "providers/embeddings_wire.h"
#include "providers/openai_response_reader.h"
#include "providers/openai_response_writer.h"
#include "providers/provider_adapter.h"
#include "transport/sse_parser.h"

namespace sb::fuzz {

inline bool same_response(const ChatResponse& a, const ChatResponse& b) {
    return a.id == b.id && a.model == b.model && a.content == b.content && a.tool_calls == b.tool_calls &&
           a.finish_reason == b.finish_reason && a.usage == b.usage;
}

// The gateway answers its clients in OpenAI's format (chat_response_to_openai); an OpenAI
// client must read back the same answer, whichever provider gave it.
inline void check_gateway_round_trip(const ChatResponse& answer) {
    const auto back = chat_response_from_openai(chat_response_to_openai(answer, 0));
    SB_FUZZ_CHECK(back.has_value());
    SB_FUZZ_CHECK(same_response(*back, answer));
}

// A whole (non-streamed) response, 2xx or not, as the adapter reads it (parse_response: the
// body, or classify_http_error with the headers). Input: see split_http_input.
// - an error is a value with a class (never None) and the response's status; a 2xx body
//   that cannot be read is MalformedResponse, an HTTP error never is;
// - a Retry-After that was read lies between 0 and a year;
// - an answer survives the gateway round trip.
inline void check_response(const ProviderAdapter& adapter, std::string_view bytes) {
    const auto input = split_http_input(bytes);
    HttpResponse response;
    response.status = input.status;
    response.headers = input.headers;
    response.body = std::string(input.body);
    const bool success = response.status >= 200 && response.status <= 299;

    const auto parsed = adapter.parse_response(response);
    if (parsed) {
        SB_FUZZ_CHECK(success);
        check_gateway_round_trip(*parsed);
        return;
    }
    const Error& error = parsed.error();
    SB_FUZZ_CHECK(error.cls != ErrorClass::None);
    SB_FUZZ_CHECK(error.http_status == response.status);
    SB_FUZZ_CHECK(success == (error.cls == ErrorClass::MalformedResponse));
    if (error.retry_after) {
        SB_FUZZ_CHECK(error.retry_after->count() >= 0);
        SB_FUZZ_CHECK(*error.retry_after <= std::chrono::hours(24 * 366));
    }
}

// An embeddings answer, read as the parser goes (chat_response_from_embeddings), against a
// reading of the same bytes as a JSON tree:
// - an error is MalformedResponse;
// - whatever the tree reads as an object whose `data` is an array of objects that each have an
//   `embedding` is accepted, with one embedding counted per item;
// - an accepted answer is passed through unchanged.
inline void check_embeddings_answer(std::string_view body) {
    const auto scanned = chat_response_from_embeddings(body, 200);
    const auto tree = nlohmann::json::parse(body, nullptr, false);
    const nlohmann::json* data = tree.is_object() && tree.contains("data") ? &tree["data"] : nullptr;
    bool well_formed = data && data->is_array();
    if (well_formed)
        for (const auto& item : *data) well_formed = well_formed && item.is_object() && item.contains("embedding");
    if (!scanned) {
        SB_FUZZ_CHECK(scanned.error().cls == ErrorClass::MalformedResponse);
        SB_FUZZ_CHECK(!well_formed);
        return;
    }
    SB_FUZZ_CHECK(scanned->passthrough_body == body);
    if (well_formed) {
        const std::string count = std::to_string(data->size()) + (data->size() == 1 ? " embedding × " : " embeddings × ");
        SB_FUZZ_CHECK(scanned->content.starts_with(count));
    }
}

// A streamed response: the bytes go through the SSE parser into the adapter's stream decoder
// as the engine feeds them (core/engine/engine.cpp, on_stream_bytes), the first error ending
// the stream.
// - an error from the decoder has a class;
// - each choice's deltas sent to a streaming client add up to that choice's content in the final
//   answer (the one the history and the cache keep);
// - a finished stream's answer survives the gateway round trip.
inline void check_stream(const ProviderAdapter& adapter, std::string_view bytes) {
    const auto decoder = adapter.make_stream_decoder();
    std::vector<StreamDelta> deltas;
    Error error;
    SseParser sse;
    sse.feed(bytes, [&](SseEvent&& event) {
        if (error) return;
        error = decoder->on_event(event.event, event.data, deltas);
        if (error) SB_FUZZ_CHECK(error.cls != ErrorClass::None);
    });
    sse.finish();

    std::vector<std::string> streamed(1);
    for (const auto& delta : deltas) {
        SB_FUZZ_CHECK(delta.choice >= 0);
        if (static_cast<std::size_t>(delta.choice) >= streamed.size()) streamed.resize(delta.choice + 1);
        streamed[delta.choice] += delta.content;
    }
    const ChatResponse answer = decoder->response();
    SB_FUZZ_CHECK(streamed[0] == answer.content);
    for (std::size_t i = 1; i < streamed.size(); ++i)
        SB_FUZZ_CHECK(i <= answer.more_choices.size() && streamed[i] == answer.more_choices[i - 1].content);
    if (!error && decoder->finished()) check_gateway_round_trip(answer);
}

}  // namespace sb::fuzz
