#include "providers/anthropic_batch_api.h"

#include <ctime>

#include <nlohmann/json.hpp>

#include "model/json_string.h"
#include "providers/adapter_common.h"
#include "providers/json_fields.h"

namespace sb {
namespace {

using wire::field;
using wire::int_or_zero;
using wire::string_or_empty;

// The HTTP status Anthropic gives each error type, so an errored line reads as its response.
int status_of_anthropic_error(std::string_view type) {
    if (type == "invalid_request_error") return 400;
    if (type == "authentication_error") return 401;
    if (type == "permission_error") return 403;
    if (type == "not_found_error") return 404;
    if (type == "request_too_large") return 413;
    if (type == "rate_limit_error") return 429;
    if (type == "overloaded_error") return 529;
    return 500;
}

// "2026-12-07T10:00:00": compares as text with Anthropic's RFC 3339 times (UTC, "Z").
std::string rfc3339_utc(std::int64_t unix_s) {
    const std::time_t time = static_cast<std::time_t>(unix_s);
    std::tm utc{};
    gmtime_r(&time, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    return text;
}

class AnthropicBatchApi final : public ProviderBatchApi {
public:
    AnthropicBatchApi(ProviderConfig provider, Fetch fetch)
        : m_provider(std::move(provider)), m_fetch(std::move(fetch)) {}

    std::expected<RemoteBatch, Error> submit(const std::vector<BatchLineRequest>& lines, const std::string&) override {
        std::string body = R"({"requests":[)";
        for (std::size_t i = 0; i < lines.size(); ++i) {
            if (i > 0) body += ',';
            body += R"({"custom_id":)";
            append_json_string(body, lines[i].custom_id);
            body += R"(,"params":)" + lines[i].body + "}";
        }
        body += "]}";
        auto batch = call("POST", adapter::join_url(m_provider.base_url, "messages/batches"), std::move(body));
        if (!batch) return std::unexpected(std::move(batch.error()));
        return read_batch(*batch);
    }

    std::expected<RemoteBatch, Error> retrieve(const std::string& id) override {
        auto batch = call("GET", adapter::join_url(m_provider.base_url, "messages/batches/" + id), {});
        if (!batch) return std::unexpected(std::move(batch.error()));
        return read_batch(*batch);
    }

    std::expected<std::optional<RemoteBatch>, Error> find(const std::string&, std::int64_t since_unix_s,
                                                          std::int64_t lines) override {
        auto list = call("GET", adapter::join_url(m_provider.base_url, "messages/batches?limit=100"), {});
        if (!list) return std::unexpected(std::move(list.error()));
        const auto since = rfc3339_utc(since_unix_s);
        if (const auto* data = field(*list, "data"); data && data->is_array())
            for (const auto& item : *data) {
                if (string_or_empty(item, "created_at") < since) continue;
                auto batch = read_batch(item);
                if (!batch) return std::unexpected(std::move(batch.error()));
                if (batch->total == lines) return std::optional<RemoteBatch>(std::move(*batch));
            }
        return std::optional<RemoteBatch>();
    }

    std::expected<std::vector<RemoteLineResult>, Error> results(const RemoteBatch& batch) override {
        const auto url = batch.results_url.empty()
                             ? adapter::join_url(m_provider.base_url, "messages/batches/" + batch.id + "/results")
                             : batch.results_url;
        const auto response = m_fetch(request("GET", url, {}));
        if (auto error = batch_api_failure(response)) return std::unexpected(std::move(*error));
        std::vector<RemoteLineResult> out;
        for (const auto line : jsonl_lines(response.body)) {
            const auto json = nlohmann::json::parse(line, nullptr, false);
            const auto custom_id = string_or_empty(json, "custom_id");
            const auto* result = field(json, "result");
            if (custom_id.empty() || !result) return std::unexpected(malformed("a result line without custom_id or result"));
            const auto type = string_or_empty(*result, "type");
            HttpResponse alone;
            if (type == "succeeded" && field(*result, "message")) {
                alone.status = 200;
                alone.body = (*result)["message"].dump();
            } else if (type == "errored" && field(*result, "error")) {
                const auto& error = (*result)["error"];
                const auto* inner = field(error, "error");
                alone.status = status_of_anthropic_error(inner ? string_or_empty(*inner, "type") : std::string());
                alone.body = error.dump();
            } else {
                out.push_back({custom_id, std::unexpected(wire::make_error(
                                              type == "expired" ? ErrorClass::Timeout : ErrorClass::ServerTransient,
                                              "Anthropic's batch did not run this line (" + type + ")"))});
                continue;
            }
            out.push_back({custom_id, std::move(alone)});
        }
        return out;
    }

private:
    HttpRequest request(std::string method, std::string url, std::string body) const {
        return batch_api_request(m_provider, std::move(method), std::move(url),
                                 {{"x-api-key", m_provider.api_key}, {"anthropic-version", m_provider.anthropic_version}},
                                 std::move(body));
    }

    static Error malformed(std::string what) {
        return wire::make_error(ErrorClass::MalformedResponse, "Anthropic's Message Batches: " + std::move(what));
    }

    std::expected<nlohmann::json, Error> call(std::string method, std::string url, std::string body) const {
        const auto response = m_fetch(request(std::move(method), std::move(url), std::move(body)));
        if (auto error = batch_api_failure(response)) return std::unexpected(std::move(*error));
        auto json = nlohmann::json::parse(response.body, nullptr, false);
        if (!json.is_object()) return std::unexpected(malformed("an answer that is not a JSON object"));
        return json;
    }

    static std::expected<RemoteBatch, Error> read_batch(const nlohmann::json& json) {
        RemoteBatch batch;
        batch.id = string_or_empty(json, "id");
        batch.status = string_or_empty(json, "processing_status");
        if (batch.id.empty() || batch.status.empty())
            return std::unexpected(malformed("a batch without id or processing_status"));
        if (batch.status == "ended") batch.state = RemoteBatchState::Ended;
        if (const auto* counts = field(json, "request_counts")) {
            batch.succeeded = int_or_zero(*counts, "succeeded");
            batch.failed = int_or_zero(*counts, "errored") + int_or_zero(*counts, "canceled") + int_or_zero(*counts, "expired");
            batch.total = batch.succeeded + batch.failed + int_or_zero(*counts, "processing");
        }
        batch.results_url = string_or_empty(json, "results_url");
        return batch;
    }

    ProviderConfig m_provider;
    Fetch m_fetch;
};

}  // namespace

std::unique_ptr<ProviderBatchApi> make_anthropic_batch_api(const ProviderConfig& provider,
                                                           ProviderBatchApi::Fetch fetch) {
    return std::make_unique<AnthropicBatchApi>(provider, std::move(fetch));
}

}  // namespace sb
