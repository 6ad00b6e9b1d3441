// What translating between wire formats costs the gateway for one non-streamed request, next
// to passing the same request through in the same run. The request is a 20-turn customer-
// service conversation with three tools (questions, tool calls, tool results, answers); the
// upstream answer calls a tool. Each path is every JSON step the gateway takes for it: read
// the client's body, write the upstream body, read the upstream answer, write the client's
// answer. One thread; the median of several rounds.
//   pass-through:          OpenAI client → OpenAI upstream
//   translated:            OpenAI client → Anthropic upstream
//   translated (ingress):  Anthropic client (/v1/messages) → OpenAI upstream
//
// Usage: bench_translation [iterations=5000] [rounds=5]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_results.h"
#include "median_time.h"
#include "config/config.h"
#include "gateway/client_request.h"
#include "model/json_string.h"
#include "providers/anthropic_response_writer.h"
#include "providers/anthropic_translation.h"
#include "providers/openai_response_writer.h"
#include "providers/provider_adapter.h"

using namespace sb;
using sb::bench::median_us;

namespace {

nlohmann::json tool(const char* name, const char* description, const char* property) {
    return {{"type", "function"},
            {"function",
             {{"name", name},
              {"description", description},
              {"parameters",
               {{"type", "object"},
                {"properties", {{property, {{"type", "string"}, {"description", "as the customer gave it"}}}}},
                {"required", {property}}}}}}};
}

// system + 19 turns: five rounds of question → tool call → tool result → answer, and a last question.
nlohmann::json openai_conversation() {
    auto messages = nlohmann::json::array();
    messages.push_back({{"role", "system"},
                        {"content", "You are the customer-service assistant of an online shop. Use the tools to "
                                    "look up orders, parcels and refunds; answer briefly and politely."}});
    const char* tools[] = {"get_order_status", "track_parcel", "refund_status"};
    for (int round = 0; round < 5; ++round) {
        const std::string id = "call_" + std::to_string(1000 + round);
        const std::string order = "SO-2024-" + std::to_string(4417 + round);
        messages.push_back({{"role", "user"}, {"content", "Hello, could you tell me where my order " + order + " is? "
                                                          "It was supposed to arrive last week."}});
        messages.push_back({{"role", "assistant"},
                            {"content", nullptr},
                            {"tool_calls",
                             {{{"id", id},
                               {"type", "function"},
                               {"function", {{"name", tools[round % 3]}, {"arguments", "{\"order_id\":\"" + order + "\"}"}}}}}}});
        messages.push_back({{"role", "tool"},
                            {"tool_call_id", id},
                            {"content", "{\"status\":\"shipped\",\"carrier\":\"SF Express\",\"eta\":\"2 days\"}"}});
        messages.push_back({{"role", "assistant"},
                            {"content", "Your order " + order + " has shipped with SF Express and should arrive "
                                        "within two days. Is there anything else I can help with?"}});
    }
    messages.push_back({{"role", "user"}, {"content", "And has the refund for my returned kettle gone through?"}});
    return {{"model", "auto"},
            {"messages", messages},
            {"tools", {tool("get_order_status", "Look up an order", "order_id"),
                       tool("track_parcel", "Track a parcel by its order", "order_id"),
                       tool("refund_status", "The state of a refund", "order_id")}},
            {"tool_choice", "auto"}};
}

ChatResponse tool_call_answer() {
    ChatResponse answer;
    answer.id = "answer-1";
    answer.model = "model-1";
    answer.content = "Let me check the refund for you.";
    answer.tool_calls = {{"call_2000", "refund_status", "{\"order_id\":\"SO-2024-4422\"}"}};
    answer.finish_reason = "tool_calls";
    answer.usage = {1480, 42, 0, 0};
    return answer;
}

}  // namespace

int main(int argc, char** argv) {
    const int iterations = argc > 1 ? std::max(100, std::atoi(argv[1])) : 5'000;
    const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;

    const std::string openai_client_body = openai_conversation().dump();
    const auto conversation = read_client_request(openai_client_body);
    if (!conversation) {
        std::fprintf(stderr, "bench_translation: the conversation is refused: %s\n", conversation.error().message.c_str());
        return 1;
    }
    const std::string anthropic_client_body = json_text(chat_request_to_anthropic(conversation->request, "auto"));
    const auto answer = tool_call_answer();
    HttpResponse openai_answer{.status = 200, .body = chat_response_to_openai(answer, 0)};
    HttpResponse anthropic_answer{.status = 200, .body = chat_response_to_anthropic(answer, "msg_1")};

    const auto openai = make_provider_adapter(ProviderKind::OpenAI);
    const auto anthropic = make_provider_adapter(ProviderKind::Anthropic);
    ProviderConfig provider;
    provider.base_url = "http://127.0.0.1:8080/v1";
    provider.anthropic_version = "2023-06-01";

    const double pass_through = median_us("bench_translation", iterations, rounds, [&] {
        const auto read = read_client_request(openai_client_body);
        const auto upstream = openai->build_request(read->request, provider, "gpt-4o-mini");
        const auto parsed = openai->parse_response_for(read->request, openai_answer);
        return upstream.body.size() + chat_response_to_openai(*parsed, 0).size();
    });
    const double translated = median_us("bench_translation", iterations, rounds, [&] {
        const auto read = read_client_request(openai_client_body);
        const auto upstream = anthropic->build_request(read->request, provider, "claude-haiku-4-5");
        const auto parsed = anthropic->parse_response_for(read->request, anthropic_answer);
        return upstream.body.size() + chat_response_to_openai(*parsed, 0).size();
    });
    const double ingress = median_us("bench_translation", iterations, rounds, [&] {
        const auto read = chat_request_from_anthropic(nlohmann::json::parse(anthropic_client_body));
        const auto upstream = openai->build_request(*read, provider, "gpt-4o-mini");
        const auto parsed = openai->parse_response_for(*read, openai_answer);
        return upstream.body.size() + chat_response_to_anthropic(*parsed, "msg_1").size();
    });

    std::printf("bench_translation: %d requests × %d rounds, median; a 20-turn tool conversation, client body %zu "
                "bytes (OpenAI) / %zu bytes (Anthropic)\n\n",
                iterations, rounds, openai_client_body.size(), anthropic_client_body.size());
    std::printf("%-52s %9s %9s\n", "path (all four JSON steps)", "per req", "ratio");
    std::printf("%-52s %6.1f µs %8s\n", "pass-through: OpenAI client → OpenAI upstream", pass_through, "1.00×");
    std::printf("%-52s %6.1f µs %7.2f×\n", "translated: OpenAI client → Anthropic upstream", translated,
                translated / pass_through);
    std::printf("%-52s %6.1f µs %7.2f×\n", "translated: Anthropic client → OpenAI upstream", ingress,
                ingress / pass_through);
    bench::summary_row("translation", "OpenAI client → Anthropic, 20-turn tool conversation",
                       bench::fmt("%.1f µs", translated), "-", std::nullopt,
                       bench::fmt("pass-through to OpenAI %.1f µs; %.2f× it", pass_through, translated / pass_through));
    bench::summary_row("translation", "Anthropic client → OpenAI, 20-turn tool conversation",
                       bench::fmt("%.1f µs", ingress), "-", std::nullopt,
                       bench::fmt("pass-through to OpenAI %.1f µs; %.2f× it", pass_through, ingress / pass_through));
    return bench::exit_code();
}
