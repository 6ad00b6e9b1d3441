#include "gateway/gateway_http.h"

#include <cctype>

namespace sb {

GatewayResponse json_response(int status, const nlohmann::json& body) {
    return {status, {{"content-type", "application/json"}}, json_text(body)};
}

GatewayResponse text_response(int status, std::string content_type, std::string body) {
    return {status, {{"content-type", std::move(content_type)}}, std::move(body)};
}

std::string_view bearer_token(const Headers& headers) {
    auto value = header_value(headers, "authorization");
    if (!value) return {};
    std::string_view text = *value;
    constexpr std::string_view kScheme = "bearer ";
    if (text.size() <= kScheme.size()) return {};
    for (std::size_t i = 0; i < kScheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != kScheme[i]) return {};
    text.remove_prefix(kScheme.size());
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

}  // namespace sb
