#pragma once
// Shared by the fault tests (tests/faults, one fault per file): questions that force one
// simulator fault, a streamed request that keeps what reached the caller, reading a request's
// history row back, and the gateway in front of an engine for "what an HTTP client sees".
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "../support/engine_fixture.h"
#include "engine/engine.h"
#include "gateway/gateway_server.h"
#include "model/digest.h"
#include "store/history_query.h"
#include "store/history_writer.h"
#include "transport/http_client.h"

namespace sb::test {

inline ChatRequest question(std::string text = "Is the desk lamp in stock?") {
    ChatRequest request;
    request.messages = {{Role::System, "You are terse."}, {Role::User, std::move(text)}};
    request.source = "test";
    return request;
}

// `key` names the request for the simulator's attempt count (x-sim-fault-times), so that
// attempts on other providers, in other wire formats, count as the same request.
inline ChatRequest with_fault(ChatRequest request, std::string fault, int times = 0, std::string key = {}) {
    request.extra_headers.emplace_back("x-sim-fault", std::move(fault));
    if (times > 0) request.extra_headers.emplace_back("x-sim-fault-times", std::to_string(times));
    if (!key.empty()) request.extra_headers.emplace_back("x-sim-key", std::move(key));
    return request;
}

inline std::unique_ptr<Engine> make_engine(Config config, std::filesystem::path database = {}) {
    EngineOptions options;
    options.config = std::move(config);
    options.history = !database.empty();
    options.database = std::move(database);
    auto engine = Engine::create(std::move(options));
    if (!engine) {
        std::fprintf(stderr, "FATAL: engine: %s\n", engine.error().c_str());
        std::abort();
    }
    return std::move(*engine);
}

// What a streaming caller received: every delta, then exactly one result.
struct Streamed {
    RequestResult result;
    std::string text;  // the deltas' content, joined
    int pieces = 0;
    int results = 0;  // done callbacks seen (must be 1)
};

inline Streamed ask_streaming(Engine& engine, ChatRequest request,
                              std::chrono::seconds limit = std::chrono::seconds(60)) {
    request.stream = true;
    struct Shared {
        std::mutex mutex;
        Streamed streamed;
        std::promise<void> done;
    };
    auto shared = std::make_shared<Shared>();
    auto finished = shared->done.get_future();
    engine.submit(
        std::move(request),
        [shared](RequestResult&& result) {
            std::lock_guard lock(shared->mutex);
            shared->streamed.result = std::move(result);
            if (++shared->streamed.results == 1) shared->done.set_value();
        },
        [shared](const StreamDelta& delta) {
            std::lock_guard lock(shared->mutex);
            shared->streamed.text += delta.content;
            if (!delta.content.empty()) ++shared->streamed.pieces;
        });
    if (finished.wait_for(limit) != std::future_status::ready) {
        std::fprintf(stderr, "FATAL: a streamed request did not finish within %lld s\n",
                     static_cast<long long>(limit.count()));
        std::abort();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a second callback would land here
    std::lock_guard lock(shared->mutex);
    return shared->streamed;
}

// The request's row once the writer has committed it; nullopt when there is none.
inline std::optional<HistoryRecord> history_row(Engine& engine, const std::string& request_id) {
    if (!engine.history() || !engine.history()->flush(std::chrono::seconds(30))) return std::nullopt;
    auto reader = HistoryReader::open(engine.database_path());
    if (!reader) return std::nullopt;
    HistoryFilter filter;
    filter.request_id = request_id;
    auto page = reader->page(filter, std::nullopt, 2);
    if (!page || page->rows.size() != 1) return std::nullopt;
    return page->rows.front();
}

// An HTTP reply as a gateway client sees it.
struct Reply {
    int status = 0;
    Headers headers;
    std::string body;
    int curl_code = 0;
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// The OpenAI-compatible gateway in front of `engine`, open (no keys), passing x-sim-* headers
// on to the simulator so a client can force a fault.
class GatewayStack {
public:
    static constexpr const char* kAdminKey = "fault-test-admin-key";

    explicit GatewayStack(Engine& engine, std::size_t max_body_bytes = 4 << 20) {
        GatewayOptions options;
        options.port = 0;
        options.allow_unauthenticated = true;
        options.forward_sim_headers = true;
        options.max_body_bytes = max_body_bytes;
        options.admin_key_sha256 = sha256_hex(kAdminKey);
        options.metrics_text = [&engine] { return engine.prometheus_text(); };
        auto server = GatewayServer::start(engine, options);
        if (!server) {
            std::fprintf(stderr, "FATAL: gateway: %s\n", server.error().c_str());
            std::abort();
        }
        m_server = std::move(*server);
        m_base = "http://127.0.0.1:" + std::to_string(m_server->port());
    }

    Reply send(std::string method, const std::string& path, std::string body = {}, Headers headers = {}) {
        HttpRequest request;
        request.method = std::move(method);
        request.url = m_base + path;
        request.body = std::move(body);
        request.headers = std::move(headers);
        if (!request.body.empty()) request.headers.emplace_back("content-type", "application/json");
        request.total_timeout = std::chrono::seconds(60);
        auto done = std::make_shared<std::promise<HttpResponse>>();
        auto future = done->get_future();
        m_client.send(std::move(request),
                      [done](HttpResponse&& response) { done->set_value(std::move(response)); });
        if (future.wait_for(std::chrono::seconds(90)) != std::future_status::ready) {
            std::fprintf(stderr, "FATAL: the gateway did not answer in time\n");
            std::abort();
        }
        auto response = future.get();
        return {response.status, std::move(response.headers), std::move(response.body), response.curl_code};
    }
    Reply post(const std::string& path, std::string body, Headers headers = {}) {
        return send("POST", path, std::move(body), std::move(headers));
    }
    Reply get(const std::string& path, Headers headers = {}) {
        return send("GET", path, {}, std::move(headers));
    }
    // The admin API, with the stack's admin key.
    Reply admin(std::string method, const std::string& path, std::string body = {}) {
        return send(std::move(method), path, std::move(body),
                    {{"authorization", std::string("Bearer ") + kAdminKey}});
    }

    static std::string chat_body(const std::string& text, bool stream = false) {
        return nlohmann::json{{"model", "gpt-4o-mini"},
                              {"stream", stream},
                              {"messages", {{{"role", "user"}, {"content", text}}}}}
            .dump();
    }

private:
    std::unique_ptr<GatewayServer> m_server;
    std::string m_base;
    HttpClient m_client;  // last: destroyed first, while the server still answers
};

}  // namespace sb::test
