#pragma once
// One adapter per wire format. An adapter is stateless and thread-safe: it builds the
// HTTP request for a ChatRequest and turns the HTTP response (or stream events) back
// into model types. It never does I/O.
#include <expected>
#include <memory>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "model/chat.h"
#include "model/error.h"
#include "transport/http_types.h"

namespace sb {

// Decodes one streamed response, event by event. Not thread-safe; one per stream.
class StreamDecoder {
public:
    virtual ~StreamDecoder() = default;
    // Feeds one SSE event (`event` empty when the stream has no event lines). Appends the
    // deltas it carries to `out`. Returns an error (cls != None) for a mid-stream error
    // event or an event that cannot be parsed.
    virtual Error on_event(std::string_view event, std::string_view data, std::vector<StreamDelta>& out) = 0;
    virtual bool finished() const = 0;          // the end marker ([DONE] / message_stop) was seen
    virtual ChatResponse response() const = 0;  // everything accumulated so far
};

class ProviderAdapter {
public:
    virtual ~ProviderAdapter() = default;
    virtual ProviderKind kind() const = 0;
    // `model` is the upstream model name chosen by routing (already resolved from aliases).
    virtual HttpRequest build_request(const ChatRequest& request, const ProviderConfig& provider,
                                      std::string_view model) const = 0;
    // A 2xx response body becomes a ChatResponse; anything else a classified Error.
    virtual std::expected<ChatResponse, Error> parse_response(const HttpResponse& response) const = 0;
    virtual std::unique_ptr<StreamDecoder> make_stream_decoder() const = 0;
    // The same for one request: an adapter that sends some requests in another format (a
    // Responses API request passed through) reads their answers in that format.
    virtual std::expected<ChatResponse, Error> parse_response_for(const ChatRequest&,
                                                                  const HttpResponse& response) const {
        return parse_response(response);
    }
    virtual std::unique_ptr<StreamDecoder> make_stream_decoder_for(const ChatRequest&) const {
        return make_stream_decoder();
    }
};

std::unique_ptr<ProviderAdapter> make_provider_adapter(ProviderKind kind);

}  // namespace sb
