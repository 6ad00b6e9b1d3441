#include "model/chat.h"

#include <algorithm>

namespace sb {

std::string_view to_string(Role role) {
    switch (role) {
    case Role::System: return "system";
    case Role::User: return "user";
    case Role::Assistant: return "assistant";
    case Role::Tool: return "tool";
    }
    return "user";
}

std::string_view to_string(ContentPart::Kind kind) {
    switch (kind) {
    case ContentPart::Kind::Text: return "text";
    case ContentPart::Kind::Image: return "image";
    case ContentPart::Kind::Audio: return "audio";
    case ContentPart::Kind::File: return "file";
    }
    return "text";
}

std::size_t decoded_size(const ContentPart& part) {
    const auto& data = part.data_base64;
    std::size_t padding = 0;
    for (auto it = data.rbegin(); it != data.rend() && *it == '=' && padding < 2; ++it) ++padding;
    return data.size() / 4 * 3 - std::min(padding, data.size() / 4 * 3);
}

std::optional<Role> role_from_string(std::string_view text) {
    if (text == "system" || text == "developer") return Role::System;
    if (text == "user") return Role::User;
    if (text == "assistant") return Role::Assistant;
    if (text == "tool") return Role::Tool;
    return std::nullopt;
}

}  // namespace sb
