#pragma once
// Blocking HTTP calls to a gateway for tests, with or without its admin key, and what its
// /metrics says about requests.
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "transport/http_client.h"

namespace sb::test {

struct Fetched {
    int status = 0;
    std::string body;
    Headers headers;  // names lower-case
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
    std::string header(std::string_view name) const {
        for (const auto& [key, value] : headers)
            if (key == name) return value;
        return {};
    }
};

// `admin_key` (or a gateway key) is sent as the bearer token; empty: no Authorization header.
inline Fetched fetch(HttpClient& client, std::string method, std::string url, std::string body = {},
                     const std::string& admin_key = {}) {
    HttpRequest request;
    request.method = std::move(method);
    request.url = std::move(url);
    request.body = std::move(body);
    request.headers = {{"content-type", "application/json"}};
    if (!admin_key.empty()) request.headers.emplace_back("authorization", "Bearer " + admin_key);
    std::promise<HttpResponse> done;
    auto future = done.get_future();
    client.send(std::move(request), [&done](HttpResponse&& response) { done.set_value(std::move(response)); });
    auto response = future.get();
    return {response.status, std::move(response.body), std::move(response.headers)};
}

inline std::string chat_body(const std::string& text) {
    return nlohmann::json{{"model", "gpt-4o-mini"}, {"messages", {{{"role", "user"}, {"content", text}}}}}.dump();
}

// The sum of every switchboard_requests_total series in a Prometheus exposition.
inline double requests_counted(const std::string& metrics) {
    double total = 0;
    std::istringstream lines(metrics);
    for (std::string line; std::getline(lines, line);)
        if (line.starts_with("switchboard_requests_total{")) total += std::stod(line.substr(line.rfind(' ') + 1));
    return total;
}

}  // namespace sb::test
