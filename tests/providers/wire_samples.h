#pragma once
// Test helpers: read the wire samples under tests/data/wire and decode sample streams.
#include <QFile>
#include <QString>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/headers.h"
#include "providers/provider_adapter.h"
#include "transport/sse_parser.h"

namespace testing {

inline std::string read_sample(const char* relative) {
    QFile file(QStringLiteral(SB_TESTDATA_DIR "/wire/") + QLatin1String(relative));
    if (!file.open(QIODevice::ReadOnly)) return {};
    return file.readAll().toStdString();
}

inline nlohmann::json sample_json(const char* relative) {
    return nlohmann::json::parse(read_sample(relative), nullptr, false);
}

// A sample stream decoded the way the engine decodes it: the real SSE parser feeding the
// provider's stream decoder; stops at the first error event.
struct Decoded {
    std::string text;
    std::string finish_reason;
    std::optional<sb::Usage> usage;
    sb::Error error;
    bool finished = false;
    sb::ChatResponse response;
    std::vector<sb::StreamDelta> deltas;  // every delta, in order
};

inline Decoded decode(sb::ProviderKind kind, const std::string& stream) {
    auto decoder = sb::make_provider_adapter(kind)->make_stream_decoder();
    Decoded out;
    std::vector<sb::StreamDelta> deltas;
    sb::SseParser parser;
    parser.feed(stream, [&](sb::SseEvent&& event) {
        if (!out.error) out.error = decoder->on_event(event.event, event.data, deltas);
    });
    for (const auto& delta : deltas) {
        out.text += delta.content;
        if (!delta.finish_reason.empty()) out.finish_reason = delta.finish_reason;
        if (delta.usage) out.usage = delta.usage;
    }
    out.finished = decoder->finished();
    out.response = decoder->response();
    out.deltas = std::move(deltas);
    return out;
}

inline sb::Headers headers_of(const nlohmann::json& object) {
    sb::Headers headers;
    for (const auto& [name, value] : object.items()) headers.emplace_back(name, value.get<std::string>());
    return headers;
}

// The errors.json case of that name, or null.
inline nlohmann::json error_case(const char* provider_file, std::string_view name) {
    for (const auto& item : sample_json(provider_file))
        if (item.value("case", std::string{}) == name) return item;
    return nullptr;
}

}  // namespace testing
