#include "model/chat.h"

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

std::optional<Role> role_from_string(std::string_view text) {
    if (text == "system" || text == "developer") return Role::System;
    if (text == "user") return Role::User;
    if (text == "assistant") return Role::Assistant;
    if (text == "tool") return Role::Tool;
    return std::nullopt;
}

}  // namespace sb
