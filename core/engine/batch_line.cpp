#include "engine/batch_line.h"

#include "model/clock.h"
#include "model/json_string.h"
#include "providers/openai_response_writer.h"
#include "providers/openai_translation.h"

namespace sb {

namespace {
nlohmann::ordered_json custom_id_json(const std::string& custom_id) {
    return custom_id.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(custom_id);
}
}  // namespace

std::expected<BatchInputLine, BatchLineError> parse_batch_line(std::string_view line, std::int64_t line_no) {
    const std::string where = "line " + std::to_string(line_no) + ": ";
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded()) return std::unexpected(BatchLineError{"", where + "not valid JSON"});
    if (!json.is_object()) return std::unexpected(BatchLineError{"", where + "must be a JSON object"});

    BatchInputLine out;
    const auto custom_id = json.find("custom_id");
    if (custom_id == json.end() || !custom_id->is_string() || custom_id->get_ref<const std::string&>().empty())
        return std::unexpected(BatchLineError{"", where + "custom_id: must be a non-empty string"});
    out.custom_id = custom_id->get<std::string>();
    auto fail = [&](std::string message) { return std::unexpected(BatchLineError{out.custom_id, where + message}); };

    const auto method = json.find("method");
    if (method != json.end() && (!method->is_string() || *method != "POST")) return fail("method: must be \"POST\"");
    const auto url = json.find("url");
    if (url == json.end() || !url->is_string() ||
        (*url != "/v1/chat/completions" && *url != "/chat/completions"))
        return fail("url: must be \"/v1/chat/completions\"");
    const auto body = json.find("body");
    if (body == json.end() || !body->is_object()) return fail("body: must be a JSON object");

    auto request = chat_request_from_openai(*body);
    if (!request) return fail("body: " + request.error().message);
    out.request = std::move(*request);
    out.request.stream = false;  // a batch line is answered as one object
    out.request.source = "batch";
    return out;
}

std::string batch_output_for_response(const std::string& custom_id, const std::string& request_id,
                                      const ChatResponse& response) {
    // Keys in the order OpenAI's batch output uses; the body is the text the gateway sends.
    std::string line = "{\"id\":";
    append_json_string(line, "batch_req_" + request_id);
    line += ",\"custom_id\":" + json_text(custom_id_json(custom_id));
    line += ",\"response\":{\"status_code\":200,\"request_id\":";
    append_json_string(line, request_id);
    line += ",\"body\":" + chat_response_to_openai(response, unix_seconds_now()) + "},\"error\":null}";
    return line;
}

std::string batch_output_for_error(const std::string& custom_id, const std::string& request_id, const Error& error) {
    nlohmann::ordered_json line = {{"id", "batch_req_" + request_id}, {"custom_id", custom_id_json(custom_id)}};
    const nlohmann::ordered_json error_object = {
        {"message", error.message},
        {"type", openai_error_type_for(error.cls)},
        {"param", nullptr},
        {"code", to_string(error.cls)},
    };
    if (error.http_status > 0) {
        // The upstream answered: report it as OpenAI does, as a response with an error body.
        line["response"] = {{"status_code", error.http_status},
                            {"request_id", request_id},
                            {"body", {{"error", error_object}}}};
        line["error"] = nullptr;
    } else {
        line["response"] = nullptr;
        line["error"] = {{"code", to_string(error.cls)}, {"message", error.message}};
    }
    return line.dump();
}

std::string batch_output_for_invalid_line(const BatchLineError& error, const std::string& request_id) {
    const nlohmann::ordered_json line = {
        {"id", "batch_req_" + request_id},
        {"custom_id", custom_id_json(error.custom_id)},
        {"response", nullptr},
        {"error", {{"code", "invalid_request"}, {"message", error.message}}},
    };
    return line.dump();
}

}  // namespace sb
