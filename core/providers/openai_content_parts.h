#pragma once
// OpenAI chat's content parts (text, image_url, input_audio, file) read into ContentPart and
// written back, and the data: URLs images and files come in.
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "model/chat.h"
#include "model/error.h"

namespace sb {

struct DataUrl {
    std::string media_type;
    std::string data_base64;
};

// Standard base64 text, padded to a multiple of 4.
bool is_base64_text(std::string_view text);
bool is_web_url(std::string_view url);  // http:// or https://

// "data:image/png;base64,iVBO…" → {image/png, iVBO…}; nullopt when it is not a base64 data URL.
std::optional<DataUrl> parse_data_url(std::string_view url);
std::string data_url(const ContentPart& part);

// One part of a message's content array; `path` names it in errors
// ("messages[1].content[2].image_url.url: must be an http(s) or data: URL").
std::expected<ContentPart, Error> content_part_from_openai(const nlohmann::json& part, const std::string& path);
// The part as OpenAI chat takes it, as JSON text.
void append_openai_part(std::string& out, const ContentPart& part);

}  // namespace sb
