#pragma once
// Test helpers: read the wire samples under tests/data/wire and cut a sample stream into
// SSE events (LF only, blank line between events: the samples' documented format).
#include <QFile>
#include <QString>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "model/headers.h"

namespace testing {

inline std::string read_sample(const char* relative) {
    QFile file(QStringLiteral(SB_TESTDATA_DIR "/wire/") + QLatin1String(relative));
    if (!file.open(QIODevice::ReadOnly)) return {};
    return file.readAll().toStdString();
}

inline nlohmann::json sample_json(const char* relative) {
    return nlohmann::json::parse(read_sample(relative), nullptr, false);
}

struct SampleEvent {
    std::string event;
    std::string data;
};

inline std::vector<SampleEvent> split_sse(const std::string& text) {
    std::vector<SampleEvent> events;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find("\n\n", start);
        if (end == std::string::npos) end = text.size();
        SampleEvent event;
        for (std::size_t line = start; line < end;) {
            auto line_end = std::min(text.find('\n', line), end);
            std::string_view content(text.data() + line, line_end - line);
            if (content.starts_with("event:"))
                event.event = std::string(content.substr(content.find_first_not_of(' ', 6)));
            if (content.starts_with("data:")) {
                if (!event.data.empty()) event.data += '\n';
                auto value = content.substr(5);
                if (value.starts_with(' ')) value.remove_prefix(1);
                event.data += value;
            }
            line = line_end + 1;
        }
        if (!event.data.empty() || !event.event.empty()) events.push_back(std::move(event));
        start = end + 2;
    }
    return events;
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
