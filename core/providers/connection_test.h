#pragma once
// One real call to a provider, outside routing, retries, the cache and the history: the
// smallest chat completion its default model answers ("ping", one output token), so that
// what the operator sees is the provider itself. The result carries the outcome, the HTTP
// status, the latency phases, and the API version the provider reports in its response
// headers next to the one configured (OpenAI-Version or anthropic-version).
#include <functional>
#include <optional>
#include <string>

#include "config/config.h"
#include "model/error.h"
#include "transport/http_client.h"

namespace sb {

struct ConnectionTest {
    std::string provider;
    std::string model;
    std::optional<Error> error;  // none: the provider answered
    int http_status = 0;
    PhaseTimings timings;
    std::string reply;               // what it answered, as the provider sent it
    std::string configured_version;  // empty: none configured
    std::string reported_version;    // empty: the response names none

    bool ok() const { return !error; }
    bool version_differs() const {
        return !configured_version.empty() && !reported_version.empty() && configured_version != reported_version;
    }
};

// Asynchronous: `done` runs once, on the client's transport thread.
void test_connection(HttpClient& client, const ProviderConfig& provider, std::function<void(ConnectionTest)> done);

}  // namespace sb
