#include "simulator/sim_batches_openai.h"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_set>

#include "model/clock.h"
#include "model/text.h"
#include "simulator/sim_batch_answer.h"
#include "simulator/sim_batch_clock.h"
#include "simulator/sim_fate.h"
#include "simulator/sim_request_common.h"
#include "simulator/sim_route.h"
#include "simulator/sim_wire.h"

namespace sb {

struct SimOpenAIBatch {
    struct Line {
        std::string custom_id;
        std::string record;  // its line of the output or the error file
        bool succeeded = false;
        std::int64_t input_tokens = 0;
        std::int64_t output_tokens = 0;
    };

    std::string id;
    std::string endpoint;
    std::string input_file_id;
    std::string completion_window;
    nlohmann::ordered_json metadata;
    std::string model;  // of its requests; empty when the file had none
    std::int64_t created_ms = 0;
    std::int64_t delay_ms = 0;
    std::uint64_t entropy = 0;
    // The input file's faults; any fails the batch.
    nlohmann::ordered_json errors = nlohmann::ordered_json::array();
    std::vector<Line> lines;  // input order
    std::optional<std::int64_t> cancel_ms;  // when a cancel was asked for
    bool files_written = false;
    std::optional<std::string> output_file_id;
    std::optional<std::string> error_file_id;
    std::size_t bytes = 0;

    std::int64_t validated_ms() const { return created_ms + delay_ms / 10; }
    std::int64_t finalizing_ms() const { return created_ms + delay_ms * 9 / 10; }
    std::int64_t completed_ms() const { return created_ms + delay_ms; }
    std::int64_t cancelled_ms() const { return *cancel_ms + sim_batch_cancel_ms(delay_ms); }
    // The clock as far as the work goes: a cancel stops it.
    std::int64_t worked_until(std::int64_t now) const { return cancel_ms ? std::min(now, *cancel_ms) : now; }

    std::string_view status(std::int64_t now) const
    {
        if (cancel_ms)
            return now < cancelled_ms() ? "cancelling" : "cancelled";
        if (!errors.empty())
            return now < validated_ms() ? "validating" : "failed";
        if (now < validated_ms())
            return "validating";
        if (now < finalizing_ms())
            return "in_progress";
        return now < completed_ms() ? "finalizing" : "completed";
    }

    std::size_t done(std::int64_t now) const
    {
        return sim_batch_done(lines.size(), validated_ms(), finalizing_ms(), worked_until(now));
    }
};

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::size_t kOpenAIBatchMaxReportedErrors = 100;  // enough to fix a file by; keeps the object small
constexpr std::int64_t kOpenAIBatchWindowS = 24 * 3600;

std::optional<SimBatchTarget> openai_batch_target(std::string_view endpoint)
{
    if (endpoint == "/v1/chat/completions")
        return SimBatchTarget::openai_chat;
    if (endpoint == "/v1/responses")
        return SimBatchTarget::openai_responses;
    if (endpoint == "/v1/embeddings")
        return SimBatchTarget::openai_embeddings;
    return std::nullopt;
}

ojson openai_batch_error(std::string_view code, std::string message, std::string_view param,
                         std::optional<std::size_t> line)
{
    return ojson{{"code", code},
                 {"message", std::move(message)},
                 {"param", param.empty() ? ojson(nullptr) : ojson(param)},
                 {"line", line ? ojson(*line) : ojson(nullptr)}};
}

struct OpenAIBatchRequest {
    std::string custom_id;
    nlohmann::json body;
};

struct OpenAIBatchInput {
    ojson errors = ojson::array();
    std::vector<OpenAIBatchRequest> requests;
    std::string model;
};

// The checks OpenAI makes of an input file while the batch is `validating`, each fault with
// the number of its line.
OpenAIBatchInput check_openai_batch_input(std::string_view content, std::string_view endpoint)
{
    OpenAIBatchInput out;
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start < content.size();) {
        const auto end = std::min(content.find('\n', start), content.size());
        lines.push_back(content.substr(start, end - start));
        start = end + 1;
    }
    const auto requests = std::ranges::count_if(lines, [](std::string_view line) {
        return !trim_space(line).empty();
    });
    if (requests == 0) {
        out.errors.push_back(openai_batch_error("empty_file", "The batch input file is empty.", {}, std::nullopt));
        return out;
    }
    if (static_cast<std::size_t>(requests) > kSimOpenAIBatchMaxRequests) {
        out.errors.push_back(openai_batch_error("too_many_tasks",
                                                "The batch input file has " + std::to_string(requests)
                                                    + " requests; a batch can have at most 50,000.",
                                                {}, std::nullopt));
        return out;
    }

    std::unordered_set<std::string> seen;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::size_t number = i + 1;
        if (trim_space(lines[i]).empty())
            continue;
        auto fault = [&](std::string_view code, std::string message, std::string_view param) {
            if (out.errors.size() < kOpenAIBatchMaxReportedErrors)
                out.errors.push_back(openai_batch_error(code, std::move(message), param, number));
        };
        const auto line = nlohmann::json::parse(lines[i].begin(), lines[i].end(), nullptr, false);
        if (line.is_discarded() || !line.is_object()) {
            fault("invalid_json_line", "This line is not parseable as valid JSON.", {});
            continue;
        }
        // The four fields a line must have, checked in this order; the first fault is the line's.
        const bool malformed = [&] {
            for (const std::string_view key : {"custom_id", "method", "url", "body"}) {
                const std::string name(key);
                const bool object_wanted = key == "body";
                const auto* value = sim_field(line, key);
                if (!value) {
                    fault("missing_required_parameter", sim_openai_missing(name), key);
                    return true;
                }
                if (object_wanted ? !value->is_object() : !value->is_string()) {
                    const char* wanted = object_wanted ? "an object" : "a string";
                    fault("invalid_type", sim_openai_invalid_type(name, wanted, *value), key);
                    return true;
                }
            }
            return false;
        }();
        if (malformed)
            continue;
        const std::string custom_id = line["custom_id"].get<std::string>();
        const std::string method = line["method"].get<std::string>();
        const std::string url = line["url"].get<std::string>();
        const auto* model = sim_string_field(line["body"], "model");
        if (method != "POST") {
            fault("invalid_value", sim_openai_invalid_value("method", method, "'POST'"), "method");
        } else if (url != endpoint) {
            fault("url_mismatch",
                  "The url of this request ('" + url + "') does not match the batch's endpoint ('"
                      + std::string(endpoint) + "').",
                  "url");
        } else if (model && !out.model.empty() && *model != out.model) {
            fault("model_mismatch",
                  "The model of this request ('" + *model + "') differs from the model of the batch ('" + out.model
                      + "'); every request in a batch must use the same model.",
                  "body.model");
        } else if (!seen.insert(custom_id).second) {
            fault("duplicate_custom_id",
                  "The custom_id for this request is a duplicate of another request. The custom_id parameter "
                  "must be unique for each request in a batch.",
                  "custom_id");
        } else {
            if (model && out.model.empty())
                out.model = *model;
            out.requests.push_back({custom_id, line["body"]});
        }
    }
    return out;
}

// A request's line of the output file (answered 200) or of the error file (anything else).
SimOpenAIBatch::Line openai_batch_line(const OpenAIBatchRequest& request, SimBatchTarget target,
                                       const SimulatorProfile& profile, std::uint64_t batch_entropy)
{
    SimBatchAnswer answer = sim_batch_answer(target, request.body, request.custom_id, profile, batch_entropy);
    ojson record{{"id", "batch_req_" + sim_random_chars(answer.entropy ^ 0xba7cULL, 32, true)},
                 {"custom_id", request.custom_id}};
    if (answer.status == 0) {
        record["response"] = nullptr;
        record["error"] = {{"code", "request_timeout"}, {"message", "The request to the model timed out."}};
    } else {
        // The request id is the one the synchronous answer carries in x-request-id.
        record["response"] = {{"status_code", answer.status},
                              {"request_id", sim_random_chars(answer.entropy ^ 0x5eedULL, 32, true)},
                              {"body", std::move(answer.body)}};
        record["error"] = nullptr;
    }
    return {request.custom_id, record.dump(), answer.succeeded(), answer.input_tokens, answer.output_tokens};
}

// A request a cancel stopped before it ran, as the error file lists it.
std::string openai_cancelled_record(const SimOpenAIBatch& batch, const SimOpenAIBatch::Line& line)
{
    return ojson{{"id", "batch_req_" + sim_random_chars(sim_mix(batch.entropy, sim_hash(line.custom_id)), 32, true)},
                 {"custom_id", line.custom_id},
                 {"response", nullptr},
                 {"error",
                  {{"code", "batch_cancelled"},
                   {"message", "This request was not executed because the batch was cancelled."}}}}
        .dump();
}

// The output and error files of an ended batch, written once, when the end is first seen.
void write_openai_batch_files(SimOpenAIBatch& batch, SimFileStore& files, std::int64_t now, std::uint64_t entropy)
{
    const std::size_t done = batch.done(now);
    std::string output;
    std::string errors;
    for (std::size_t i = 0; i < batch.lines.size(); ++i) {
        const auto& line = batch.lines[i];
        if (i >= done)
            errors += openai_cancelled_record(batch, line) + '\n';
        else
            (line.succeeded ? output : errors) += line.record + '\n';
    }
    if (!output.empty())
        batch.output_file_id = files.add(batch.id + "_output.jsonl", "batch_output", std::move(output),
                                         std::nullopt, entropy ^ 0x0b7ULL).id;
    if (!errors.empty())
        batch.error_file_id = files.add(batch.id + "_error.jsonl", "batch_output", std::move(errors),
                                        std::nullopt, entropy ^ 0xe77ULL).id;
    batch.files_written = true;
}

// The Batch object at `now`; writes the result files when the batch has just ended.
ojson openai_batch_object(SimOpenAIBatch& batch, SimFileStore& files, std::int64_t now, std::uint64_t entropy)
{
    const std::string_view status = batch.status(now);
    if ((status == "completed" || status == "cancelled") && !batch.files_written)
        write_openai_batch_files(batch, files, now, entropy);
    const bool counted = status != "validating" && status != "failed";
    const std::int64_t worked = batch.worked_until(now);
    const bool good = batch.errors.empty();
    auto seconds = [](std::int64_t ms) { return ojson(ms / 1000); };
    auto when = [&](bool happened, std::int64_t ms) { return happened ? seconds(ms) : ojson(nullptr); };
    auto optional_id = [](const std::optional<std::string>& id) { return id ? ojson(*id) : ojson(nullptr); };

    std::size_t completed = 0;
    std::size_t done = 0;
    std::int64_t input_tokens = 0;
    std::int64_t output_tokens = 0;
    if (counted) {
        done = batch.done(now);
        for (std::size_t i = 0; i < done; ++i) {
            completed += batch.lines[i].succeeded ? 1 : 0;
            input_tokens += batch.lines[i].input_tokens;
            output_tokens += batch.lines[i].output_tokens;
        }
    }
    return ojson{
        {"id", batch.id},
        {"object", "batch"},
        {"endpoint", batch.endpoint},
        {"model", batch.model.empty() ? ojson(nullptr) : ojson(batch.model)},
        {"errors", status == "failed" ? ojson{{"object", "list"}, {"data", batch.errors}} : ojson(nullptr)},
        {"input_file_id", batch.input_file_id},
        {"completion_window", batch.completion_window},
        {"status", status},
        {"output_file_id", optional_id(batch.output_file_id)},
        {"error_file_id", optional_id(batch.error_file_id)},
        {"created_at", seconds(batch.created_ms)},
        {"in_progress_at", when(good && worked >= batch.validated_ms(), batch.validated_ms())},
        {"expires_at", batch.created_ms / 1000 + kOpenAIBatchWindowS},
        {"finalizing_at", when(good && worked >= batch.finalizing_ms(), batch.finalizing_ms())},
        {"completed_at", when(status == "completed", batch.completed_ms())},
        {"failed_at", when(status == "failed", batch.validated_ms())},
        {"expired_at", nullptr},
        {"cancelling_at", when(batch.cancel_ms.has_value(), batch.cancel_ms.value_or(0))},
        {"cancelled_at", when(status == "cancelled", batch.cancel_ms ? batch.cancelled_ms() : 0)},
        {"request_counts",
         {{"total", counted ? batch.lines.size() : 0}, {"completed", completed}, {"failed", done - completed}}},
        {"usage",
         {{"input_tokens", input_tokens},
          {"input_tokens_details", {{"cached_tokens", 0}}},
          {"output_tokens", output_tokens},
          {"output_tokens_details", {{"reasoning_tokens", 0}}},
          {"total_tokens", input_tokens + output_tokens}}},
        {"metadata", batch.metadata},
    };
}

// OpenAI's metadata: at most 16 string values, keys up to 64 characters, values up to 512.
std::expected<void, SimBadRequest> check_openai_metadata(const nlohmann::json& metadata)
{
    if (!metadata.is_object())
        return sim_refuse(sim_openai_invalid_type("metadata", "an object", metadata), "metadata");
    if (metadata.size() > 16)
        return sim_refuse("Invalid 'metadata': too many properties. Expected an object with at most 16 properties, "
                          "but got an object with "
                              + std::to_string(metadata.size()) + " properties instead.",
                          "metadata");
    for (const auto& [key, value] : metadata.items()) {
        const std::string path = "metadata." + key;
        if (key.size() > 64)
            return sim_refuse("Invalid 'metadata': keys can be at most 64 characters long, but '" + key + "' has "
                                  + std::to_string(key.size()) + ".",
                              "metadata");
        if (!value.is_string())
            return sim_refuse(sim_openai_invalid_type(path, "a string", value), path);
        if (value.get_ref<const std::string&>().size() > 512)
            return sim_refuse("Invalid '" + path + "': string too long. Expected a string with maximum length 512, "
                                  "but got a string with length "
                                  + std::to_string(value.get_ref<const std::string&>().size()) + " instead.",
                              path);
    }
    return {};
}

std::expected<std::string, SimBadRequest> openai_required_string(const nlohmann::json& body, const char* key)
{
    const auto* value = sim_field(body, key);
    if (!value)
        return sim_refuse(sim_openai_missing(key), key);
    if (!value->is_string())
        return sim_refuse(sim_openai_invalid_type(key, "a string", *value), key);
    return value->get<std::string>();
}

SimResponse openai_batch_refuse(const SimBadRequest& bad, std::uint64_t entropy)
{
    return openai_refusal(SimOutcome::bad_request, bad.message, bad.param, entropy);
}

}  // namespace

SimOpenAIBatches::SimOpenAIBatches(SimFileStore& files, std::size_t max_batches, std::size_t max_bytes)
    : m_files(files), m_max_batches(max_batches), m_max_bytes(max_bytes)
{
}

SimResponse SimOpenAIBatches::handle(const SimRequest& request, const SimulatorProfile& profile,
                                     std::uint64_t entropy)
{
    const SimRoute route = sim_route(request.target);
    const auto& path = route.segments;  // v1, batches, …
    const std::string_view method = request.method;
    if (path.size() == 2 && method == "POST")
        return create(request, profile, entropy);
    if (path.size() == 2 && method == "GET")
        return list(request, entropy);
    if (path.size() == 3 && method == "GET")
        return show(path[2], /*cancel=*/false, entropy);
    if (path.size() == 4 && path[3] == "cancel" && method == "POST")
        return show(path[2], /*cancel=*/true, entropy);
    return openai_invalid_url(request.method, request.target, entropy);
}

SimResponse SimOpenAIBatches::create(const SimRequest& request, const SimulatorProfile& profile,
                                     std::uint64_t entropy)
{
    const auto body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded())
        return openai_refusal(SimOutcome::bad_request, std::string(kSimUnparsableJson), {}, entropy);
    const auto input_file_id = openai_required_string(body, "input_file_id");
    if (!input_file_id)
        return openai_batch_refuse(input_file_id.error(), entropy);
    const auto endpoint = openai_required_string(body, "endpoint");
    if (!endpoint)
        return openai_batch_refuse(endpoint.error(), entropy);
    const auto target = openai_batch_target(*endpoint);
    if (!target)
        return openai_batch_refuse({sim_openai_invalid_value("endpoint", *endpoint,
                                                             "'/v1/chat/completions', '/v1/responses', and "
                                                             "'/v1/embeddings'"),
                                    "endpoint"},
                                   entropy);
    const auto window = openai_required_string(body, "completion_window");
    if (!window)
        return openai_batch_refuse(window.error(), entropy);
    if (*window != "24h")
        return openai_batch_refuse(
            {sim_openai_invalid_value("completion_window", *window, "'24h'"), "completion_window"}, entropy);
    ojson metadata = nullptr;
    if (const auto* given = sim_field(body, "metadata")) {
        if (auto checked = check_openai_metadata(*given); !checked)
            return openai_batch_refuse(checked.error(), entropy);
        metadata = ojson::parse(given->dump());
    }
    const auto delay = sim_batch_delay_ms(request.sim_batch_delay_ms, profile);
    if (!delay)
        return openai_batch_refuse({delay.error(), {}}, entropy);
    const auto file = m_files.find(*input_file_id);
    if (!file)
        return openai_refusal(SimOutcome::not_found, "No such File object: " + *input_file_id, "input_file_id",
                              entropy);
    if (file->purpose != "batch")
        return openai_batch_refuse({"Invalid 'input_file_id': '" + file->id + "' has purpose '" + file->purpose
                                        + "'; a batch's input file must be uploaded with purpose 'batch'.",
                                    "input_file_id"},
                                   entropy);

    // Validated and answered now, outside the lock; the clock decides what is shown when.
    auto batch = std::make_shared<SimOpenAIBatch>();
    batch->id = "batch_" + sim_random_chars(entropy ^ 0xba7cULL, 32, true);
    batch->endpoint = *endpoint;
    batch->input_file_id = file->id;
    batch->completion_window = *window;
    batch->metadata = std::move(metadata);
    batch->created_ms = unix_ms_now();
    batch->delay_ms = *delay;
    batch->entropy = entropy;
    OpenAIBatchInput checked = check_openai_batch_input(*file->content, *endpoint);
    batch->errors = std::move(checked.errors);
    batch->model = checked.model;
    if (batch->errors.empty()) {
        batch->lines.reserve(checked.requests.size());
        for (const auto& each : checked.requests) {
            batch->lines.push_back(openai_batch_line(each, *target, profile, entropy));
            batch->bytes += batch->lines.back().record.size();
        }
    }

    std::lock_guard lock(m_mutex);
    while (!m_batches.empty() && (m_batches.size() >= m_max_batches || m_bytes + batch->bytes > m_max_bytes)) {
        m_bytes -= m_batches.front()->bytes;
        m_batches.erase(m_batches.begin());
    }
    m_bytes += batch->bytes;
    m_batches.push_back(batch);
    return openai_json_reply(openai_batch_object(*batch, m_files, unix_ms_now(), entropy), entropy);
}

SimResponse SimOpenAIBatches::list(const SimRequest& request, std::uint64_t entropy)
{
    const SimRoute route = sim_route(request.target);
    const auto limit = sim_openai_list_limit(route.param("limit"), 20, 100);
    if (!limit)
        return openai_batch_refuse(limit.error(), entropy);
    const std::string_view after = route.param("after").value_or("");

    std::lock_guard lock(m_mutex);
    const std::int64_t now = unix_ms_now();
    auto start = m_batches.rbegin();  // newest first
    if (!after.empty()) {
        const auto cursor = std::find_if(m_batches.rbegin(), m_batches.rend(),
                                         [&](const auto& batch) { return batch->id == after; });
        if (cursor != m_batches.rend())
            start = std::next(cursor);
    }
    ojson data = ojson::array();
    auto it = start;
    for (; it != m_batches.rend() && data.size() < *limit; ++it)
        data.push_back(openai_batch_object(**it, m_files, now, entropy));
    const ojson first = data.empty() ? ojson(nullptr) : data.front()["id"];
    const ojson last = data.empty() ? ojson(nullptr) : data.back()["id"];
    const bool more = it != m_batches.rend();
    return openai_json_reply(ojson{{"object", "list"},
                                   {"data", std::move(data)},
                                   {"first_id", first},
                                   {"last_id", last},
                                   {"has_more", more}},
                             entropy);
}

SimResponse SimOpenAIBatches::show(std::string_view id, bool cancel, std::uint64_t entropy)
{
    std::lock_guard lock(m_mutex);
    const auto it = std::ranges::find_if(m_batches, [&](const auto& batch) { return batch->id == id; });
    if (it == m_batches.end())
        return openai_refusal(SimOutcome::not_found, "No batch found with id '" + std::string(id) + "'.", {},
                              entropy);
    SimOpenAIBatch& batch = **it;
    const std::int64_t now = unix_ms_now();
    if (cancel) {
        const std::string_view status = batch.status(now);
        if (status == "validating" || status == "in_progress" || status == "finalizing")
            batch.cancel_ms = now;
        else if (status != "cancelling" && status != "cancelled")
            return openai_refusal(SimOutcome::bad_request,
                                  "Cannot cancel a batch with status '" + std::string(status) + "'.", {}, entropy);
    }
    return openai_json_reply(openai_batch_object(batch, m_files, now, entropy), entropy);
}

}  // namespace sb
