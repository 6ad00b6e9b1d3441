// The JSON work the gateway does for one non-streamed OpenAI request, step by step, against a
// JSON tree library (nlohmann/json) doing only the bare parse or dump of the same text in the
// same run. The gateway's path reads the client's body, writes the upstream body, reads the
// upstream answer and writes the client's answer, all without a tree (openai_request_reader,
// openai_translation, openai_response_reader/_writer); a client body with fields passed
// through, or one to refuse, is read through a tree instead (gateway/client_request).
// The answer is OpenAI's documented sample (tests/data/wire/openai/chat-completion.json).
// One thread; the median of several rounds.
//
// Usage: bench_wire_json [iterations=20000] [rounds=5]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "bench_results.h"
#include "median_time.h"
#include "bench_upstream.h"
#include "config/config.h"
#include "gateway/client_request.h"
#include "providers/adapters.h"
#include "providers/openai_response_reader.h"
#include "providers/openai_response_writer.h"
#include "providers/openai_translation.h"

using namespace sb;
using sb::bench::median_us;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

int main(int argc, char** argv) {
    const int iterations = argc > 1 ? std::max(100, std::atoi(argv[1])) : 20'000;
    const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;

    const std::string sample = std::string(SB_RESOURCES_DIR) + "/../tests/data/wire/openai/chat-completion.json";
    const std::string answer_body = read_file(sample);
    const auto answer = chat_response_from_openai(answer_body);
    if (answer_body.empty() || !answer) {
        std::fprintf(stderr, "bench_wire_json: cannot read the sample answer %s\n", sample.c_str());
        return 1;
    }
    const ChatRequest request = bench::engine_request();
    const std::string client_body = chat_request_to_openai(request);
    const auto adapter = make_openai_adapter();
    ProviderConfig provider;
    provider.base_url = "http://127.0.0.1:8080/v1";
    HttpResponse upstream;
    upstream.status = 200;
    upstream.body = answer_body;
    const auto request_tree = nlohmann::json::parse(client_body);
    const auto answer_tree = nlohmann::json::parse(chat_response_to_openai(*answer, 0));

    std::printf("bench_wire_json: %d calls × %d rounds, median; client body %zu bytes, upstream answer %zu bytes\n\n",
                iterations, rounds, client_body.size(), answer_body.size());
    struct Step {
        const char* name;
        double ours;
        double tree;
        const char* tree_name;
    };
    const std::vector<Step> steps = {
        {"read the client's body",
         median_us("bench_wire_json", iterations, rounds, [&] { return read_client_request(client_body)->request.messages.size(); }),
         median_us("bench_wire_json", iterations, rounds, [&] { return nlohmann::json::parse(client_body).size(); }), "tree parse alone"},
        {"write the upstream body",
         median_us("bench_wire_json", iterations, rounds,
                   [&] { return adapter->build_request(request, provider, "gpt-4o-mini").body.size(); }),
         median_us("bench_wire_json", iterations, rounds, [&] { return request_tree.dump().size(); }), "tree dump alone"},
        {"read the upstream answer",
         median_us("bench_wire_json", iterations, rounds, [&] { return adapter->parse_response(upstream)->content.size(); }),
         median_us("bench_wire_json", iterations, rounds, [&] { return nlohmann::json::parse(answer_body).size(); }), "tree parse alone"},
        {"write the client's answer",
         median_us("bench_wire_json", iterations, rounds, [&] { return chat_response_to_openai(*answer, 0).size(); }),
         median_us("bench_wire_json", iterations, rounds, [&] { return answer_tree.dump().size(); }), "tree dump alone"},
    };

    double ours_total = 0;
    double tree_total = 0;
    std::printf("%-46s %10s   %-18s %10s %8s\n", "step", "ours", "baseline", "", "ratio");
    for (const auto& step : steps) {
        std::printf("%-46s %7.2f µs   %-18s %7.2f µs %7.2f×\n", step.name, step.ours, step.tree_name, step.tree,
                    step.ours / step.tree);
        ours_total += step.ours;
        tree_total += step.tree;
    }
    std::printf("%-46s %7.2f µs   %-18s %7.2f µs %7.2f×\n", "all four", ours_total, "bare tree work", tree_total,
                ours_total / tree_total);
    bench::summary_row("wire json", "JSON work per gateway request (4 steps)", bench::fmt("%.2f µs", ours_total), "-",
                       std::nullopt,
                       bench::fmt("bare tree parse/dump of the same bodies %.2f µs; ours %.2f× it", tree_total,
                                  ours_total / tree_total));
    return bench::exit_code();
}
