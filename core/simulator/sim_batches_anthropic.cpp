#include "simulator/sim_batches_anthropic.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <optional>
#include <string>
#include <unordered_set>

#include "model/clock.h"
#include "simulator/sim_batch_answer.h"
#include "simulator/sim_batch_clock.h"
#include "simulator/sim_request_common.h"
#include "simulator/sim_route.h"
#include "simulator/sim_wire.h"

namespace sb {

struct SimAnthropicBatch {
    enum class Result { succeeded, errored, expired };
    struct Line {
        std::string custom_id;
        std::string record;  // its line of the results
        Result result = Result::succeeded;
    };

    std::string id;
    std::int64_t created_ms = 0;
    std::int64_t delay_ms = 0;
    std::optional<std::int64_t> cancel_ms;  // when a cancel was asked for
    std::vector<Line> lines;                // request order
    std::size_t bytes = 0;

    std::int64_t ended_ms() const
    {
        return cancel_ms ? *cancel_ms + sim_batch_cancel_ms(delay_ms) : created_ms + delay_ms;
    }
    bool ended(std::int64_t now) const { return now >= ended_ms(); }
    // Requests done by `now`; a cancel stops the work.
    std::size_t done(std::int64_t now) const
    {
        return sim_batch_done(lines.size(), created_ms, created_ms + delay_ms,
                              cancel_ms ? std::min(now, *cancel_ms) : now);
    }
    std::string_view status(std::int64_t now) const
    {
        if (ended(now))
            return "ended";
        return cancel_ms ? "canceling" : "in_progress";
    }
};

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::int64_t kMessageBatchLifetimeMs = 24 * 3600 * 1000;

// "2024-09-24T18:37:24.100000Z", the RFC 3339 form Anthropic writes its times in.
std::string sim_rfc3339(std::int64_t unix_ms)
{
    const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    std::string micros = std::to_string((unix_ms % 1000) * 1000);
    micros.insert(0, 6 - micros.size(), '0');
    return std::string(text) + "." + micros + "Z";
}

SimResponse message_batch_refuse(std::string message, std::uint64_t entropy)
{
    return anthropic_refusal(SimOutcome::bad_request, std::move(message), entropy);
}

SimResponse message_batch_not_found(std::string_view id, std::uint64_t entropy)
{
    return anthropic_refusal(SimOutcome::not_found, "Message Batch not found: " + std::string(id), entropy);
}

struct MessageBatchRequest {
    std::string custom_id;
    const nlohmann::json* params = nullptr;
};

// The requests list as Anthropic checks it before accepting a batch; the error is the 400's
// message, naming the field the way Anthropic does ("requests.0.custom_id: …").
std::expected<std::vector<MessageBatchRequest>, std::string> check_message_batch_requests(const nlohmann::json& body)
{
    const auto* requests = sim_field(body, "requests");
    if (!requests)
        return std::unexpected("requests: Field required");
    if (!requests->is_array())
        return std::unexpected("requests: Input should be a valid list");
    if (requests->empty())
        return std::unexpected("requests: List should have at least 1 item after validation, not 0");
    if (requests->size() > kSimAnthropicBatchMaxRequests)
        return std::unexpected("requests: List should have at most 100000 items after validation, not "
                               + std::to_string(requests->size()));
    std::vector<MessageBatchRequest> out;
    std::unordered_set<std::string> seen;
    for (std::size_t i = 0; i < requests->size(); ++i) {
        const auto& item = (*requests)[i];
        const std::string path = "requests." + std::to_string(i);
        if (!item.is_object())
            return std::unexpected(path + ": Input should be a valid dictionary");
        const auto* custom_id = sim_field(item, "custom_id");
        if (!custom_id)
            return std::unexpected(path + ".custom_id: Field required");
        if (!custom_id->is_string())
            return std::unexpected(path + ".custom_id: Input should be a valid string");
        const std::string& id = custom_id->get_ref<const std::string&>();
        if (id.empty())
            return std::unexpected(path + ".custom_id: String should have at least 1 character");
        if (id.size() > 64)
            return std::unexpected(path + ".custom_id: String should have at most 64 characters");
        if (!sim_is_tool_name(id, 64))  // the same characters as tool names: [a-zA-Z0-9_-]
            return std::unexpected(path + ".custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'");
        if (!seen.insert(id).second)
            return std::unexpected(path + ".custom_id: Duplicate custom_id '" + id
                                   + "'; custom_id must be unique for each request in a Message Batch");
        const auto* params = sim_field(item, "params");
        if (!params)
            return std::unexpected(path + ".params: Field required");
        if (!params->is_object())
            return std::unexpected(path + ".params: Input should be a valid dictionary");
        out.push_back({id, params});
    }
    return out;
}

SimAnthropicBatch::Line message_batch_line(const MessageBatchRequest& request, const SimulatorProfile& profile,
                                           std::uint64_t batch_entropy)
{
    SimBatchAnswer answer = sim_batch_answer(SimBatchTarget::anthropic_messages, *request.params, request.custom_id,
                                             profile, batch_entropy);
    SimAnthropicBatch::Line line{request.custom_id};
    ojson result;
    if (answer.succeeded()) {
        answer.body["usage"]["service_tier"] = "batch";  // what a batch's messages are billed as
        result = {{"type", "succeeded"}, {"message", std::move(answer.body)}};
    } else if (answer.status == 0) {
        result = {{"type", "expired"}};
        line.result = SimAnthropicBatch::Result::expired;
    } else {
        result = {{"type", "errored"}, {"error", std::move(answer.body)}};
        line.result = SimAnthropicBatch::Result::errored;
    }
    line.record = ojson{{"custom_id", request.custom_id}, {"result", std::move(result)}}.dump();
    return line;
}

ojson message_batch_object(const SimAnthropicBatch& batch, std::string_view host, std::int64_t now)
{
    const bool ended = batch.ended(now);
    std::size_t succeeded = 0;
    std::size_t errored = 0;
    std::size_t expired = 0;
    std::size_t done = 0;
    if (ended) {
        done = batch.done(now);
        for (std::size_t i = 0; i < done; ++i) {
            const auto result = batch.lines[i].result;
            succeeded += result == SimAnthropicBatch::Result::succeeded ? 1 : 0;
            errored += result == SimAnthropicBatch::Result::errored ? 1 : 0;
            expired += result == SimAnthropicBatch::Result::expired ? 1 : 0;
        }
    }
    ojson results_url = nullptr;
    if (ended) {
        const std::string path = "/v1/messages/batches/" + batch.id + "/results";
        results_url = host.empty() ? path : "http://" + std::string(host) + path;
    }
    return ojson{
        {"id", batch.id},
        {"type", "message_batch"},
        {"processing_status", batch.status(now)},
        {"request_counts",
         {{"processing", ended ? 0 : batch.lines.size()},
          {"succeeded", succeeded},
          {"errored", errored},
          {"canceled", ended ? batch.lines.size() - done : 0},
          {"expired", expired}}},
        {"ended_at", ended ? ojson(sim_rfc3339(batch.ended_ms())) : ojson(nullptr)},
        {"created_at", sim_rfc3339(batch.created_ms)},
        {"expires_at", sim_rfc3339(batch.created_ms + kMessageBatchLifetimeMs)},
        {"archived_at", nullptr},
        {"cancel_initiated_at", batch.cancel_ms ? ojson(sim_rfc3339(*batch.cancel_ms)) : ojson(nullptr)},
        {"results_url", std::move(results_url)},
    };
}

// Anthropic's list parameters: limit 1 to 1000.
std::expected<std::size_t, std::string> message_batch_list_limit(const SimRoute& route)
{
    const auto text = route.param("limit");
    if (!text)
        return 20;
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size())
        return std::unexpected("limit: Input should be a valid integer, unable to parse string as an integer");
    if (value < 1)
        return std::unexpected("limit: Input should be greater than or equal to 1");
    if (value > 1000)
        return std::unexpected("limit: Input should be less than or equal to 1000");
    return value;
}

}  // namespace

SimAnthropicBatches::SimAnthropicBatches(std::size_t max_batches, std::size_t max_bytes)
    : m_max_batches(max_batches), m_max_bytes(max_bytes)
{
}

SimResponse SimAnthropicBatches::handle(const SimRequest& request, const SimulatorProfile& profile,
                                        std::uint64_t entropy)
{
    const SimRoute route = sim_route(request.target);
    const auto& path = route.segments;  // v1, messages, batches, …
    const std::string_view method = request.method;
    if (path.size() == 3 && method == "POST")
        return create(request, profile, entropy);
    if (path.size() == 3 && method == "GET")
        return list(request, entropy);
    if (path.size() == 4 && method == "GET")
        return show(request, path[3], /*cancel=*/false, entropy);
    if (path.size() == 4 && method == "DELETE")
        return remove(path[3], entropy);
    if (path.size() == 5 && path[4] == "cancel" && method == "POST")
        return show(request, path[3], /*cancel=*/true, entropy);
    if (path.size() == 5 && path[4] == "results" && method == "GET")
        return results(path[3], entropy);
    return anthropic_refusal(SimOutcome::not_found, "Not Found", entropy);
}

SimResponse SimAnthropicBatches::create(const SimRequest& request, const SimulatorProfile& profile,
                                        std::uint64_t entropy)
{
    const auto body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded())
        return message_batch_refuse(std::string(kSimUnparsableJson), entropy);
    const auto requests = check_message_batch_requests(body);
    if (!requests)
        return message_batch_refuse(requests.error(), entropy);
    const auto delay = sim_batch_delay_ms(request.sim_batch_delay_ms, profile);
    if (!delay)
        return message_batch_refuse(delay.error(), entropy);

    // Answered now, outside the lock; the clock decides what is shown when.
    auto batch = std::make_shared<SimAnthropicBatch>();
    batch->id = "msgbatch_01" + sim_random_chars(entropy ^ 0xba7cULL, 22, false);
    batch->created_ms = unix_ms_now();
    batch->delay_ms = *delay;
    batch->lines.reserve(requests->size());
    for (const auto& each : *requests) {
        batch->lines.push_back(message_batch_line(each, profile, entropy));
        batch->bytes += batch->lines.back().record.size();
    }

    std::lock_guard lock(m_mutex);
    while (!m_batches.empty() && (m_batches.size() >= m_max_batches || m_bytes + batch->bytes > m_max_bytes)) {
        m_bytes -= m_batches.front()->bytes;
        m_batches.erase(m_batches.begin());
    }
    m_bytes += batch->bytes;
    m_batches.push_back(batch);
    return anthropic_json_reply(message_batch_object(*batch, request.host, unix_ms_now()), entropy);
}

SimResponse SimAnthropicBatches::list(const SimRequest& request, std::uint64_t entropy)
{
    const SimRoute route = sim_route(request.target);
    const auto limit = message_batch_list_limit(route);
    if (!limit)
        return message_batch_refuse(limit.error(), entropy);
    const auto before = route.param("before_id");
    const auto after = route.param("after_id");
    if (before && after)
        return message_batch_refuse("before_id and after_id cannot be given together", entropy);

    std::lock_guard lock(m_mutex);
    const std::int64_t now = unix_ms_now();
    // Newest first: after_id pages towards older batches, before_id towards newer ones.
    std::vector<const SimAnthropicBatch*> order;
    for (auto it = m_batches.rbegin(); it != m_batches.rend(); ++it)
        order.push_back(it->get());
    auto position = [&](std::string_view id) {
        return std::ranges::find_if(order, [&](const SimAnthropicBatch* batch) { return batch->id == id; });
    };
    std::size_t begin = 0;
    std::size_t end = order.size();
    if (after) {
        const auto cursor = position(*after);
        begin = cursor == order.end() ? 0 : static_cast<std::size_t>(cursor - order.begin()) + 1;
        end = std::min(order.size(), begin + *limit);
    } else if (before) {
        const auto cursor = position(*before);
        end = cursor == order.end() ? order.size() : static_cast<std::size_t>(cursor - order.begin());
        begin = end > *limit ? end - *limit : 0;
    } else {
        end = std::min(order.size(), *limit);
    }
    ojson data = ojson::array();
    for (std::size_t i = begin; i < end; ++i)
        data.push_back(message_batch_object(*order[i], request.host, now));
    const bool more = before ? begin > 0 : end < order.size();
    const ojson first = data.empty() ? ojson(nullptr) : data.front()["id"];
    const ojson last = data.empty() ? ojson(nullptr) : data.back()["id"];
    return anthropic_json_reply(
        ojson{{"data", std::move(data)}, {"has_more", more}, {"first_id", first}, {"last_id", last}}, entropy);
}

SimResponse SimAnthropicBatches::show(const SimRequest& request, std::string_view id, bool cancel,
                                      std::uint64_t entropy)
{
    std::lock_guard lock(m_mutex);
    const auto it = std::ranges::find_if(m_batches, [&](const auto& batch) { return batch->id == id; });
    if (it == m_batches.end())
        return message_batch_not_found(id, entropy);
    SimAnthropicBatch& batch = **it;
    const std::int64_t now = unix_ms_now();
    if (cancel && batch.ended(now))
        return message_batch_refuse("Message Batch " + batch.id + " has already ended and cannot be canceled", entropy);
    if (cancel && !batch.cancel_ms)
        batch.cancel_ms = now;
    return anthropic_json_reply(message_batch_object(batch, request.host, now), entropy);
}

SimResponse SimAnthropicBatches::results(std::string_view id, std::uint64_t entropy)
{
    std::lock_guard lock(m_mutex);
    const auto it = std::ranges::find_if(m_batches, [&](const auto& batch) { return batch->id == id; });
    if (it == m_batches.end())
        return message_batch_not_found(id, entropy);
    const SimAnthropicBatch& batch = **it;
    const std::int64_t now = unix_ms_now();
    if (!batch.ended(now))
        return message_batch_refuse("Message Batch " + batch.id
                          + " has not ended yet; its results are available once processing_status is 'ended'",
                      entropy);
    const std::size_t done = batch.done(now);
    SimResponse response;
    response.headers.emplace_back("content-type", "application/binary");
    sim_anthropic_headers(response, entropy);
    for (std::size_t i = 0; i < batch.lines.size(); ++i) {
        const auto& line = batch.lines[i];
        if (i < done)
            response.body += line.record;
        else
            response.body += ojson{{"custom_id", line.custom_id}, {"result", {{"type", "canceled"}}}}.dump();
        response.body += '\n';
    }
    return response;
}

SimResponse SimAnthropicBatches::remove(std::string_view id, std::uint64_t entropy)
{
    std::lock_guard lock(m_mutex);
    const auto it = std::ranges::find_if(m_batches, [&](const auto& batch) { return batch->id == id; });
    if (it == m_batches.end())
        return message_batch_not_found(id, entropy);
    if (!(*it)->ended(unix_ms_now()))
        return message_batch_refuse("Message Batch " + (*it)->id
                          + " is still processing; a batch can be deleted once it has ended (cancel it first)",
                      entropy);
    const std::string deleted = (*it)->id;
    m_bytes -= (*it)->bytes;
    m_batches.erase(it);
    return anthropic_json_reply(ojson{{"id", deleted}, {"type", "message_batch_deleted"}}, entropy);
}

}  // namespace sb
