#include "simulator/sim_batch_answer.h"

#include <optional>

#include "simulator/sim_embeddings.h"
#include "simulator/sim_fate.h"
#include "simulator/sim_wire.h"

namespace sb {

namespace {

using ojson = nlohmann::ordered_json;

// What a drawn fate becomes in a results file.
SimOutcome sim_batch_outcome(SimOutcome drawn)
{
    switch (drawn) {
    case SimOutcome::ok:
    case SimOutcome::hang:
    case SimOutcome::rate_limited:
    case SimOutcome::rate_limited_no_header:
    case SimOutcome::unavailable:
    case SimOutcome::overloaded:
        return drawn;
    default:
        return SimOutcome::server_error;
    }
}

SimWire sim_batch_wire(SimBatchTarget target)
{
    switch (target) {
    case SimBatchTarget::anthropic_messages:
        return SimWire::anthropic_messages;
    case SimBatchTarget::openai_responses:
        return SimWire::openai_responses;
    default:
        return SimWire::openai_chat;
    }
}

void sim_batch_take(const SimResponse& response, SimBatchAnswer& out)
{
    out.status = response.status;
    out.body = ojson::parse(response.body);
}

}  // namespace

SimBatchAnswer sim_batch_answer(SimBatchTarget target, const nlohmann::json& body, std::string_view custom_id,
                                const SimulatorProfile& profile, std::uint64_t batch_entropy)
{
    const SimFate fate = draw_sim_fate(profile, sim_hash(custom_id), 0);
    SimBatchAnswer out;
    out.entropy = sim_mix(fate.entropy, batch_entropy);
    SimErrorInfo info;
    info.entropy = out.entropy;
    info.retry_after_s = profile.retry_after_s;
    const bool anthropic = target == SimBatchTarget::anthropic_messages;
    auto fail = [&](SimOutcome outcome) {
        sim_batch_take(anthropic ? anthropic_error(outcome, info) : openai_error(outcome, info), out);
        return out;
    };
    auto refuse = [&](const SimBadRequest& bad) {
        info.detail = bad.message;
        info.param = bad.param;
        return fail(SimOutcome::bad_request);
    };
    // A body the endpoint refuses fails whatever the fate; otherwise the fate decides.
    auto fated = [&]() -> std::optional<SimBatchAnswer> {
        const SimOutcome outcome = sim_batch_outcome(fate.outcome);
        if (outcome == SimOutcome::hang) {
            out.status = 0;
            return out;
        }
        if (outcome != SimOutcome::ok)
            return fail(outcome);
        return std::nullopt;
    };

    if (target == SimBatchTarget::openai_embeddings) {
        const auto parsed = parse_openai_embeddings(body);
        if (!parsed)
            return refuse(parsed.error());
        info.model = parsed->model;
        if (auto failed = fated())
            return *failed;
        sim_batch_take(openai_embeddings_reply(*parsed, out.entropy), out);
        out.input_tokens = out.body["usage"]["prompt_tokens"].get<std::int64_t>();
        return out;
    }
    auto parsed = parse_sim_chat(sim_batch_wire(target), body);
    if (!parsed)
        return refuse(parsed.error());
    info.model = parsed->model;
    if (auto failed = fated())
        return *failed;
    SimChatRequest& request = *parsed;
    request.stream = false;  // a batch's answers are whole bodies
    const SimReply reply = make_sim_reply(request, profile.reply_words);
    sim_batch_take(sim_wire_reply(request, reply, out.entropy, /*stream_error=*/false), out);
    out.input_tokens = reply.prompt_tokens;
    out.output_tokens = reply.completion_tokens;
    return out;
}

}  // namespace sb
