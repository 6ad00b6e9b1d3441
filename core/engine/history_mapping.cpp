// history_record: what one finished request leaves in the history.
#include "engine/history_mapping.h"

#include "model/base64.h"
#include "model/digest.h"
#include "security/redaction.h"
#include "security/stored_text.h"
#include "store/history_record.h"

namespace sb {

namespace {

// A media part as a reference, never its bytes: "[image image/png 48213 bytes sha256:9f86d0…]".
std::string part_reference(const ContentPart& part) {
    std::string out = "[" + std::string(to_string(part.kind));
    if (!part.media_type.empty()) out += " " + part.media_type;
    if (!part.data_base64.empty())
        out += " " + std::to_string(decoded_size(part)) + " bytes sha256:" + sha256_hex(base64_decode(part.data_base64));
    if (!part.url.empty()) out += " " + part.url;
    if (!part.file_id.empty()) out += " file " + part.file_id;
    if (!part.filename.empty()) out += " \"" + part.filename + "\"";
    return out + "]";
}

// The conversation as an operator reads it: one "role: text" paragraph per turn.
std::string transcript(const std::vector<Message>& messages) {
    std::string out;
    for (const auto& message : messages) {
        if (!out.empty()) out += "\n\n";
        out += to_string(message.role);
        out += ": ";
        if (message.parts.empty()) out += message.content;
        for (std::size_t i = 0; i < message.parts.size(); ++i) {
            const auto& part = message.parts[i];
            if (i > 0) out += ' ';
            out += part.kind == ContentPart::Kind::Text ? part.text : part_reference(part);
        }
        for (const auto& call : message.tool_calls) out += "\n[tool call " + call.name + " " + call.arguments_json + "]";
    }
    return out;
}

std::optional<double> phase(double ms) { return ms > 0 ? std::optional<double>(ms) : std::nullopt; }

}  // namespace

HistoryRecord history_record(const ChatRequest& request, const RequestResult& result, const HistoryTextPolicy& policy) {
    HistoryRecord record;
    record.ts_ms = result.started_unix_ms;
    record.request_id = request.id;
    record.source = request.source;
    record.provider = result.provider;
    record.model = result.model;
    record.tier = request.tier;
    record.route_reason = result.route_reason;
    record.attempts = static_cast<int>(result.attempts.size());
    if (!result.attempts.empty()) record.http_status = result.attempts.back().http_status;
    record.dns_ms = phase(result.timings.dns_ms);
    record.connect_ms = phase(result.timings.connect_ms);
    record.tls_ms = phase(result.timings.tls_ms);
    record.first_byte_ms = phase(result.timings.first_byte_ms);
    record.total_ms = result.total_ms;

    const std::string prompt = transcript(request.messages);
    record.prompt_hash = sha256_hex(prompt);
    if (policy.store_text) record.prompt_text = protect_text(prompt, policy.stored());

    if (result.ok()) {
        const auto& response = *result.outcome;
        record.status = RequestStatus::Ok;
        // A cached answer was paid for once, by the row that stored it: here it costs nothing.
        record.cache_hit = served_from_cache(result.cache);
        record.tokens_in = record.cache_hit ? 0 : response.usage.input_tokens;
        record.tokens_out = record.cache_hit ? 0 : response.usage.output_tokens;
        record.cost_usd = result.cost_usd.value_or(0.0);
        if (policy.store_text) record.response_text = protect_text(response.content, policy.stored());
    } else {
        const auto& error = result.outcome.error();
        record.status = error.cls == ErrorClass::Cancelled ? RequestStatus::Cancelled : RequestStatus::Error;
        record.error_class = std::string(to_string(error.cls));
        // Upstream error bodies can echo what was sent (a key, an address): masked like the text.
        record.error_message = policy.redact ? redact(error.message) : error.message;
        if (error.http_status) record.http_status = error.http_status;
    }
    return record;
}

}  // namespace sb
