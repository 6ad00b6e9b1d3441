#include "gateway/gateway_http.h"

#include "model/text.h"

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
    if (text.size() <= kScheme.size() || !iequals(text.substr(0, kScheme.size()), kScheme)) return {};
    return trim_blanks(text.substr(kScheme.size()));
}

}  // namespace sb
