#pragma once
// A provider's batch API: many requests sent as one job that the provider runs within a day at
// half the price (OpenAI's Batch API, Anthropic's Message Batches). Each line's body is what the
// provider's adapter would send alone; each line's result comes back as the HTTP response it
// would have had alone, so the adapter reads it as usual.
// The calls block (the batch command's own thread makes them) through `Fetch`.
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "model/error.h"
#include "transport/http_types.h"

namespace sb {

struct BatchLineRequest {
    std::string custom_id;  // [A-Za-z0-9_-]{1,64}: both providers take it
    std::string body;       // the provider's request body, JSON
};

enum class RemoteBatchState { InProgress, Ended, Failed };

struct RemoteBatch {
    std::string id;
    RemoteBatchState state = RemoteBatchState::InProgress;
    std::string status;  // the provider's word: validating, in_progress, ended, …
    std::int64_t total = 0;
    std::int64_t succeeded = 0;
    std::int64_t failed = 0;
    std::string problem;  // Failed: why the provider refused the batch
    std::string output_file_id, error_file_id;  // OpenAI: where the results are
    std::string results_url;                    // Anthropic: where the results are
};

struct RemoteLineResult {
    std::string custom_id;
    // The response the line would have had alone; an error when it never ran (expired, cancelled).
    std::expected<HttpResponse, Error> response;
};

class ProviderBatchApi {
public:
    using Fetch = std::function<HttpResponse(HttpRequest)>;
    virtual ~ProviderBatchApi() = default;

    // Sends the lines as one batch, tagged so that find() recognises it after a crash.
    virtual std::expected<RemoteBatch, Error> submit(const std::vector<BatchLineRequest>& lines,
                                                     const std::string& tag) = 0;
    virtual std::expected<RemoteBatch, Error> retrieve(const std::string& id) = 0;
    // The batch of `lines` lines submitted with `tag` at or after `since_unix_s`, if there is one.
    virtual std::expected<std::optional<RemoteBatch>, Error> find(const std::string& tag, std::int64_t since_unix_s,
                                                                  std::int64_t lines) = 0;
    // Every line's result of an ended batch.
    virtual std::expected<std::vector<RemoteLineResult>, Error> results(const RemoteBatch& batch) = 0;
};

// A call to a batch API: `url` with the caller's `headers`, then the provider's own, and its
// timeouts; a content-type header only with a body.
HttpRequest batch_api_request(const ProviderConfig& provider, std::string method, std::string url, Headers headers,
                              std::string body = {}, std::string content_type = "application/json");
// How such a call failed, classified as any provider call is; nullopt for a 2xx answer.
std::optional<Error> batch_api_failure(const HttpResponse& response);

// The non-blank lines of a JSONL results file.
std::vector<std::string_view> jsonl_lines(std::string_view text);

// nullptr when the provider's kind has no batch API (local servers).
std::unique_ptr<ProviderBatchApi> make_provider_batch_api(const ProviderConfig& provider, ProviderBatchApi::Fetch fetch);

}  // namespace sb
