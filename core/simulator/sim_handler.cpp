#include "simulator/sim_handler.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include <nlohmann/json.hpp>

#include "simulator/sim_chat.h"
#include "simulator/sim_embeddings.h"
#include "simulator/sim_files_openai.h"
#include "simulator/sim_request_common.h"
#include "simulator/sim_wire.h"

namespace sb {

namespace {

std::optional<std::int64_t> parse_count(std::string_view text)
{
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0)
        return std::nullopt;
    return value;
}

// `path` itself or anything under it.
bool target_within(std::string_view target, std::string_view path)
{
    return target.starts_with(path) && (target.size() == path.size() || target[path.size()] == '/');
}

SimEndpoint endpoint_of(std::string_view method, std::string_view target)
{
    target = target.substr(0, target.find('?'));
    // Each resource API answers its own unknown methods and paths, in its provider's shape.
    if (target_within(target, "/v1/files"))
        return SimEndpoint::files;
    if (target_within(target, "/v1/batches"))
        return SimEndpoint::batches;
    if (target_within(target, "/v1/messages/batches"))
        return SimEndpoint::message_batches;
    if (method == "POST" && target == "/v1/chat/completions")
        return SimEndpoint::chat_completions;
    if (method == "POST" && target == "/v1/messages")
        return SimEndpoint::messages;
    if (method == "POST" && target == "/v1/responses")
        return SimEndpoint::responses;
    if (method == "POST" && target == "/v1/embeddings")
        return SimEndpoint::embeddings;
    if (method == "GET" && target == "/v1/models")
        return SimEndpoint::models;
    return SimEndpoint::other;
}

bool anthropic_endpoint(SimEndpoint endpoint)
{
    return endpoint == SimEndpoint::messages || endpoint == SimEndpoint::message_batches;
}

bool key_matches(const SimRequest& request, SimEndpoint endpoint, const Sha256Digest& key)
{
    if (anthropic_endpoint(endpoint))
        return matches_digest(request.api_key, key);
    constexpr std::string_view bearer = "Bearer ";
    return request.authorization.starts_with(bearer)
        && matches_digest(request.authorization.substr(bearer.size()), key);
}

SimResponse error_for(SimEndpoint endpoint, SimOutcome outcome, const SimErrorInfo& info)
{
    return anthropic_endpoint(endpoint) ? anthropic_error(outcome, info) : openai_error(outcome, info);
}

constexpr std::uint64_t kBodyLimit = 32ull << 20;
// A multipart upload carries its boundaries and part headers besides the file.
constexpr std::uint64_t kUploadOverhead = 1ull << 20;

constexpr std::int64_t kHugeDefaultBytes = 50ll << 20;
constexpr std::int64_t kHugeMaxBytes = 1ll << 30;

// The `huge` fault: filler pieces of 4 KiB until the first choice's text is `bytes` long.
void pad_reply(SimReply& reply, std::int64_t bytes)
{
    std::string block;
    while (block.size() < 4096)
        block += " padding";
    auto& choice = reply.choices.front();
    while (static_cast<std::int64_t>(choice.text.size()) < bytes) {
        const auto missing = static_cast<std::size_t>(bytes - static_cast<std::int64_t>(choice.text.size()));
        choice.pieces.push_back(block.substr(0, std::min(block.size(), missing)));
        choice.text += choice.pieces.back();
    }
    choice.truncated = false;
    reply.completion_tokens = 0;
    for (const auto& each : reply.choices)
        reply.completion_tokens += sim_choice_tokens(each);
}

// A JSON serialiser cannot write ill-formed UTF-8, so the answer carries a placeholder (the
// noncharacter U+FFFF, which no reply contains otherwise) that is swapped for raw bytes
// afterwards: a lone 0xFF and a 3-byte sequence cut after its second byte.
constexpr std::string_view kUtf8Placeholder = "\xEF\xBF\xBF";
constexpr std::string_view kInvalidUtf8 = "\xFF\xE2\x82";

void mark_invalid_utf8(SimReply& reply)
{
    auto& choice = reply.choices.front();
    if (choice.pieces.empty())
        choice.pieces.emplace_back();
    auto& first = choice.pieces.front();
    first.insert(first.size() / 2, kUtf8Placeholder);
    choice.text.clear();
    for (const auto& piece : choice.pieces)
        choice.text += piece;
}

void replace_placeholder(std::string& bytes)
{
    for (auto at = bytes.find(kUtf8Placeholder); at != std::string::npos;
         at = bytes.find(kUtf8Placeholder, at + kInvalidUtf8.size()))
        bytes.replace(at, kUtf8Placeholder.size(), kInvalidUtf8);
}

}  // namespace

SimHandler::SimHandler(SimulatorProfile profile, std::string_view api_key)
    : m_profile(std::make_shared<const SimulatorProfile>(std::move(profile))),
      m_api_key_digest(api_key.empty() ? std::nullopt : std::optional(sha256(api_key)))
{
}

void SimHandler::set_profile(SimulatorProfile profile)
{
    auto next = std::make_shared<const SimulatorProfile>(std::move(profile));
    std::lock_guard lock(m_profile_mutex);
    m_profile = std::move(next);
}

std::shared_ptr<const SimulatorProfile> SimHandler::current_profile() const
{
    std::lock_guard lock(m_profile_mutex);
    return m_profile;
}

SimulatorStats SimHandler::stats() const
{
    SimulatorStats stats;
    for (std::size_t i = 0; i < kSimEndpointCount; ++i)
        stats.requests[i] = m_requests[i].load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < kSimOutcomeCount; ++i)
        stats.outcomes[i] = m_outcomes[i].load(std::memory_order_relaxed);
    return stats;
}

SimResponse SimHandler::handle(const SimRequest& request)
{
    const SimEndpoint endpoint = endpoint_of(request.method, request.target);
    m_requests[static_cast<std::size_t>(endpoint)].fetch_add(1, std::memory_order_relaxed);
    SimResponse response = decide(request, endpoint);
    response.endpoint = endpoint;
    m_outcomes[static_cast<std::size_t>(response.outcome)].fetch_add(1, std::memory_order_relaxed);
    return response;
}

std::uint64_t SimHandler::body_limit(std::string_view method, std::string_view target)
{
    if (method != "POST")
        return kBodyLimit;
    switch (endpoint_of(method, target)) {
    case SimEndpoint::files:
        return kSimOpenAIBatchFileMaxBytes + kUploadOverhead;
    case SimEndpoint::message_batches:
        return kSimAnthropicBatchMaxBytes;
    default:
        return kBodyLimit;
    }
}

SimResponse SimHandler::refuse_oversized(const SimRequest& head, std::uint64_t content_length)
{
    const SimEndpoint endpoint = endpoint_of(head.method, head.target);
    const std::uint64_t entropy = m_served.fetch_add(1, std::memory_order_relaxed) ^ 0xa5a5a5a5ULL;
    const std::string_view path = head.target.substr(0, head.target.find('?'));
    const std::string route = std::string(head.method) + " " + std::string(path);
    SimResponse response = anthropic_endpoint(endpoint)
        ? anthropic_request_too_large(entropy)
        : openai_refusal(SimOutcome::bad_request,
                         "The request body is " + std::to_string(content_length) + " bytes; " + route
                             + " accepts at most " + std::to_string(body_limit(head.method, head.target)) + ".",
                         {}, entropy);
    response.status = 413;
    response.endpoint = endpoint;
    m_requests[static_cast<std::size_t>(endpoint)].fetch_add(1, std::memory_order_relaxed);
    m_outcomes[static_cast<std::size_t>(response.outcome)].fetch_add(1, std::memory_order_relaxed);
    return response;
}

SimResponse SimHandler::decide(const SimRequest& request, SimEndpoint endpoint)
{
    SimErrorInfo info;
    info.entropy = m_served.fetch_add(1, std::memory_order_relaxed) ^ 0xa5a5a5a5ULL;
    if (endpoint == SimEndpoint::other)
        return openai_invalid_url(request.method, request.target, info.entropy);
    if (m_api_key_digest && !key_matches(request, endpoint, *m_api_key_digest)) {
        info.key_missing = anthropic_endpoint(endpoint) ? request.api_key.empty() : request.authorization.empty();
        return error_for(endpoint, SimOutcome::auth, info);
    }
    auto profile = current_profile();
    switch (endpoint) {
    case SimEndpoint::models:
        return openai_models(profile->models, info.entropy);
    case SimEndpoint::embeddings:
        return embeddings(request, info);
    case SimEndpoint::files:
        return sim_openai_files(request, m_files, info.entropy);
    case SimEndpoint::batches:
        return m_openai_batches.handle(request, *profile, info.entropy);
    case SimEndpoint::message_batches:
        return m_anthropic_batches.handle(request, *profile, info.entropy);
    default:
        return chat(request, endpoint, *profile);
    }
}

SimResponse SimHandler::embeddings(const SimRequest& request, SimErrorInfo& info)
{
    const auto json = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    auto parsed = parse_openai_embeddings(json.is_discarded() ? nlohmann::json() : json);
    if (!parsed) {
        info.detail = parsed.error().message;
        info.param = parsed.error().param;
        return openai_error(SimOutcome::bad_request, info);
    }
    return openai_embeddings_reply(*parsed, info.entropy);
}

SimResponse SimHandler::chat(const SimRequest& request, SimEndpoint endpoint,
                             const SimulatorProfile& profile)
{
    SimErrorInfo info;
    info.entropy = m_served.fetch_add(1, std::memory_order_relaxed) ^ 0x5a5a5a5aULL;
    info.retry_after_s = profile.retry_after_s;

    const auto json = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
        info.detail = kSimUnparsableJson;
        return error_for(endpoint, SimOutcome::bad_request, info);
    }
    const SimWire wire = endpoint == SimEndpoint::messages    ? SimWire::anthropic_messages
                         : endpoint == SimEndpoint::responses ? SimWire::openai_responses
                                                              : SimWire::openai_chat;
    auto parsed = parse_sim_chat(wire, json);
    if (!parsed) {
        info.detail = parsed.error().message;
        info.param = parsed.error().param;
        return error_for(endpoint, SimOutcome::bad_request, info);
    }
    const SimChatRequest& chat = *parsed;
    info.model = chat.model;

    std::optional<SimOutcome> forced;
    std::int64_t forced_times = std::numeric_limits<std::int64_t>::max();
    if (!request.sim_fault.empty()) {
        forced = parse_sim_fault(request.sim_fault);
        if (!forced) {
            info.detail = "x-sim-fault: unknown fault kind '" + std::string(request.sim_fault) + "'";
            return error_for(endpoint, SimOutcome::bad_request, info);
        }
    }
    if (!request.sim_fault_times.empty()) {
        auto times = parse_count(request.sim_fault_times);
        if (!times) {
            info.detail = "x-sim-fault-times: must be a non-negative integer";
            return error_for(endpoint, SimOutcome::bad_request, info);
        }
        forced_times = *times;
    }

    // The key decides the fate: x-sim-key when given, else the body, and how often it was seen.
    const std::uint64_t key = request.sim_key.empty() ? sim_hash(request.body)
                                                      : sim_hash(request.sim_key);
    const std::uint32_t attempt = m_attempts.next(key);
    SimFate fate = draw_sim_fate(profile, key, attempt);
    if (forced)
        fate.outcome = attempt < forced_times ? *forced : SimOutcome::ok;
    if (auto latency = parse_count(request.sim_latency_ms))
        fate.latency_ms = static_cast<double>(*latency);
    if (auto retry = parse_count(request.sim_retry_after))
        info.retry_after_s = static_cast<int>(std::min<std::int64_t>(*retry, 86'400));
    info.entropy = fate.entropy;

    SimResponse response;
    switch (fate.outcome) {
    case SimOutcome::ok:
    case SimOutcome::stream_error:
    case SimOutcome::malformed:
    case SimOutcome::stall_mid_stream:
    case SimOutcome::reset_mid_stream:
    case SimOutcome::invalid_utf8:
    case SimOutcome::huge: {
        const bool stream_error = fate.outcome == SimOutcome::stream_error;
        if (stream_error && !chat.stream) {
            response = error_for(endpoint, fate.outcome, info);
            break;
        }
        SimChatRequest shaped = chat;
        if (fate.outcome == SimOutcome::malformed)
            shaped.stream = false;  // a malformed answer is always a cut JSON body
        SimReply reply = request.sim_echo ? make_echo_reply(shaped) : make_sim_reply(shaped, profile.reply_words);
        if (fate.outcome == SimOutcome::huge) {
            const auto bytes = parse_count(request.sim_reply_bytes).value_or(kHugeDefaultBytes);
            pad_reply(reply, std::min(bytes, kHugeMaxBytes));
        }
        if (fate.outcome == SimOutcome::invalid_utf8)
            mark_invalid_utf8(reply);
        response = sim_wire_reply(shaped, reply, fate.entropy, stream_error);
        if (fate.outcome == SimOutcome::malformed)
            response.body.resize(response.body.size() / 2);
        if (fate.outcome == SimOutcome::invalid_utf8) {
            replace_placeholder(response.body);
            for (auto& event : response.events)
                replace_placeholder(event.bytes);
        }
        if (fate.outcome == SimOutcome::stall_mid_stream || fate.outcome == SimOutcome::reset_mid_stream) {
            response.ending = fate.outcome == SimOutcome::stall_mid_stream ? SimResponse::Ending::stall
                                                                           : SimResponse::Ending::reset;
            // Some of the answer is out before the connection dies: at least one content event.
            response.ending_after = response.action == SimResponse::Action::stream
                ? std::max<std::size_t>(2, response.events.size() / 2)
                : response.body.size() / 2;
        }
        break;
    }
    case SimOutcome::hang:
        response.action = SimResponse::Action::hang;
        break;
    case SimOutcome::reset:
        response.action = SimResponse::Action::reset;
        break;
    default:
        response = error_for(endpoint, fate.outcome, info);
        break;
    }
    if (profile.rate_limit_rpm > 0 && response.status == 200) {
        const std::string limit = std::to_string(profile.rate_limit_rpm);
        const std::string remaining = std::to_string(profile.rate_limit_rpm - 1);
        if (endpoint == SimEndpoint::messages) {
            response.headers.emplace_back("anthropic-ratelimit-requests-limit", limit);
            response.headers.emplace_back("anthropic-ratelimit-requests-remaining", remaining);
        } else {
            response.headers.emplace_back("x-ratelimit-limit-requests", limit);
            response.headers.emplace_back("x-ratelimit-remaining-requests", remaining);
            response.headers.emplace_back("x-ratelimit-reset-requests", "6ms");
        }
    }
    response.outcome = fate.outcome;
    response.delay_ms = fate.latency_ms;
    response.chunk_interval_ms = profile.chunk_interval_ms;
    if (auto interval = parse_count(request.sim_chunk_interval_ms))
        response.chunk_interval_ms = static_cast<double>(std::min<std::int64_t>(*interval, 600'000));
    return response;
}

}  // namespace sb
