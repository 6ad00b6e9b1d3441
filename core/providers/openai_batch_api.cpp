#include "providers/openai_batch_api.h"

#include <random>

#include <nlohmann/json.hpp>

#include "model/json_string.h"
#include "providers/adapter_common.h"
#include "providers/json_fields.h"

namespace sb {
namespace {

using wire::field;
using wire::int_or_zero;
using wire::string_or_empty;

constexpr std::string_view kBatchTagKey = "switchboard_tag";

class OpenAIBatchApi final : public ProviderBatchApi {
public:
    OpenAIBatchApi(ProviderConfig provider, Fetch fetch) : m_provider(std::move(provider)), m_fetch(std::move(fetch)) {}

    std::expected<RemoteBatch, Error> submit(const std::vector<BatchLineRequest>& lines, const std::string& tag) override {
        std::string jsonl;
        for (const auto& line : lines) {
            jsonl += R"({"custom_id":)";
            append_json_string(jsonl, line.custom_id);
            jsonl += R"(,"method":"POST","url":"/v1/chat/completions","body":)" + line.body + "}\n";
        }
        const std::string boundary = "switchboard-" + random_hex();
        std::string form;
        form += "--" + boundary + "\r\ncontent-disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n";
        form += "--" + boundary + "\r\ncontent-disposition: form-data; name=\"file\"; filename=\"" + tag +
                ".jsonl\"\r\ncontent-type: application/jsonl\r\n\r\n" + jsonl + "\r\n";
        form += "--" + boundary + "--\r\n";
        auto file = call("POST", "files", std::move(form), "multipart/form-data; boundary=" + boundary);
        if (!file) return std::unexpected(std::move(file.error()));
        const auto file_id = string_or_empty(*file, "id");
        if (file_id.empty()) return std::unexpected(malformed("the uploaded file has no id"));

        const nlohmann::json create = {{"input_file_id", file_id},
                                       {"endpoint", "/v1/chat/completions"},
                                       {"completion_window", "24h"},
                                       {"metadata", {{std::string(kBatchTagKey), tag}}}};
        auto batch = call("POST", "batches", create.dump(), "application/json");
        if (!batch) return std::unexpected(std::move(batch.error()));
        return read_batch(*batch);
    }

    std::expected<RemoteBatch, Error> retrieve(const std::string& id) override {
        auto batch = call("GET", "batches/" + id, {}, {});
        if (!batch) return std::unexpected(std::move(batch.error()));
        return read_batch(*batch);
    }

    std::expected<std::optional<RemoteBatch>, Error> find(const std::string& tag, std::int64_t since_unix_s,
                                                          std::int64_t) override {
        auto list = call("GET", "batches?limit=100", {}, {});
        if (!list) return std::unexpected(std::move(list.error()));
        if (const auto* data = field(*list, "data"); data && data->is_array())
            for (const auto& batch : *data)
                if (int_or_zero(batch, "created_at") >= since_unix_s)
                    if (const auto* metadata = field(batch, "metadata"); metadata && string_or_empty(*metadata, kBatchTagKey) == tag) {
                        auto read = read_batch(batch);
                        if (!read) return std::unexpected(std::move(read.error()));
                        return std::optional<RemoteBatch>(std::move(*read));
                    }
        return std::optional<RemoteBatch>();
    }

    std::expected<std::vector<RemoteLineResult>, Error> results(const RemoteBatch& batch) override {
        std::vector<RemoteLineResult> out;
        for (const auto& file_id : {batch.output_file_id, batch.error_file_id}) {
            if (file_id.empty()) continue;
            auto response = m_fetch(request("GET", "files/" + file_id + "/content", {}, {}));
            if (auto error = batch_api_failure(response)) return std::unexpected(std::move(*error));
            if (auto read = read_result_lines(response.body, out); !read) return std::unexpected(std::move(read.error()));
        }
        return out;
    }

private:
    static std::string random_hex() {
        std::random_device device;
        std::uniform_int_distribution<unsigned> digit(0, 15);
        std::string hex;
        for (int i = 0; i < 24; ++i) hex += "0123456789abcdef"[digit(device)];
        return hex;
    }

    HttpRequest request(std::string method, const std::string& path, std::string body, std::string content_type) const {
        Headers headers;
        if (!m_provider.api_key.empty()) headers.emplace_back("authorization", "Bearer " + m_provider.api_key);
        if (!m_provider.organization.empty()) headers.emplace_back("openai-organization", m_provider.organization);
        if (!m_provider.project.empty()) headers.emplace_back("openai-project", m_provider.project);
        return batch_api_request(m_provider, std::move(method), adapter::join_url(m_provider.base_url, path),
                                 std::move(headers), std::move(body), std::move(content_type));
    }

    static Error malformed(std::string what) {
        return wire::make_error(ErrorClass::MalformedResponse, "OpenAI's Batch API: " + std::move(what));
    }

    std::expected<nlohmann::json, Error> call(std::string method, const std::string& path, std::string body,
                                              std::string content_type) const {
        const auto response = m_fetch(request(std::move(method), path, std::move(body), std::move(content_type)));
        if (auto error = batch_api_failure(response)) return std::unexpected(std::move(*error));
        auto json = nlohmann::json::parse(response.body, nullptr, false);
        if (!json.is_object()) return std::unexpected(malformed(path + " answered with something not a JSON object"));
        return json;
    }

    static std::expected<RemoteBatch, Error> read_batch(const nlohmann::json& json) {
        RemoteBatch batch;
        batch.id = string_or_empty(json, "id");
        batch.status = string_or_empty(json, "status");
        if (batch.id.empty() || batch.status.empty()) return std::unexpected(malformed("a batch without id or status"));
        if (batch.status == "completed" || batch.status == "cancelled" || batch.status == "expired")
            batch.state = RemoteBatchState::Ended;
        else if (batch.status == "failed")
            batch.state = RemoteBatchState::Failed;
        if (const auto* counts = field(json, "request_counts")) {
            batch.total = int_or_zero(*counts, "total");
            batch.succeeded = int_or_zero(*counts, "completed");
            batch.failed = int_or_zero(*counts, "failed");
        }
        batch.output_file_id = string_or_empty(json, "output_file_id");
        batch.error_file_id = string_or_empty(json, "error_file_id");
        if (const auto* errors = field(json, "errors"); errors && field(*errors, "data"))
            for (const auto& error : (*errors)["data"]) {
                if (!batch.problem.empty()) batch.problem += "; ";
                if (const auto* line = field(error, "line")) batch.problem += "line " + line->dump() + ": ";
                batch.problem += string_or_empty(error, "message");
            }
        return batch;
    }

    // Lines of an output or error file: {custom_id, response: {status_code, body} | null, error | null}.
    static std::expected<void, Error> read_result_lines(std::string_view text, std::vector<RemoteLineResult>& out) {
        for (const auto line : jsonl_lines(text)) {
            const auto json = nlohmann::json::parse(line, nullptr, false);
            const auto custom_id = string_or_empty(json, "custom_id");
            if (custom_id.empty()) return std::unexpected(malformed("a result line without custom_id"));
            if (const auto* response = field(json, "response"); response && response->is_object()) {
                HttpResponse alone;
                alone.status = static_cast<int>(int_or_zero(*response, "status_code"));
                if (const auto* body = field(*response, "body")) alone.body = body->is_string() ? body->get<std::string>() : body->dump();
                alone.headers.emplace_back("x-request-id", string_or_empty(*response, "request_id"));
                out.push_back({custom_id, std::move(alone)});
                continue;
            }
            const auto* error = field(json, "error");
            const auto code = error ? string_or_empty(*error, "code") : std::string();
            const auto message = error ? string_or_empty(*error, "message") : std::string("no response");
            out.push_back({custom_id, std::unexpected(wire::make_error(
                                          code == "batch_expired" ? ErrorClass::Timeout : ErrorClass::ServerTransient,
                                          "OpenAI's batch did not run this line (" + code + "): " + message))});
        }
        return {};
    }

    ProviderConfig m_provider;
    Fetch m_fetch;
};

}  // namespace

std::unique_ptr<ProviderBatchApi> make_openai_batch_api(const ProviderConfig& provider, ProviderBatchApi::Fetch fetch) {
    return std::make_unique<OpenAIBatchApi>(provider, std::move(fetch));
}

}  // namespace sb
