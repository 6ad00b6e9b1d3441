#include "engine/deferred_batch.h"

#include <algorithm>
#include <future>
#include <map>
#include <thread>
#include <unordered_map>

#include "cost/price_table.h"
#include "engine/engine.h"
#include "model/clock.h"
#include "providers/provider_adapter.h"
#include "providers/provider_batch_api.h"
#include "store/batch_store.h"
#include "transport/http_client.h"

namespace sb {
namespace {

using Clock = std::chrono::steady_clock;

struct RoutedLine {
    DeferredLine line;
    std::string model;
    std::string tier;
    std::string reason;
};

// One provider's share of the batch: its lines, its batch API and what is known of its batch.
struct ProviderShare {
    const ProviderConfig* provider = nullptr;
    std::unique_ptr<ProviderAdapter> adapter;
    std::unique_ptr<ProviderBatchApi> api;
    std::vector<RoutedLine> lines;
    ProviderBatchRecord record;
    RemoteBatch remote;
    bool done = false;
};

std::string custom_id_of(std::int64_t line_no) { return "line-" + std::to_string(line_no); }

std::string tag_of(const std::string& batch_id, const std::string& provider) { return batch_id + "-" + provider; }

std::vector<std::int64_t> line_numbers(const std::vector<RoutedLine>& lines) {
    std::vector<std::int64_t> numbers;
    for (const auto& routed : lines) numbers.push_back(routed.line.line_no);
    return numbers;
}

// The share's lines sent as one provider batch, the intent stored first and the id at once.
std::expected<void, std::string> submit_share(ProviderShare& share, BatchStore& store, const std::string& batch_id) {
    const auto& name = share.provider->name;
    share.record = {batch_id, name, "", "submitting", line_numbers(share.lines), unix_ms_now()};
    if (auto saved = store.save_provider_batch(share.record, unix_ms_now()); !saved) return std::unexpected(saved.error().message);
    std::vector<BatchLineRequest> requests;
    requests.reserve(share.lines.size());
    for (const auto& routed : share.lines)
        requests.push_back({custom_id_of(routed.line.line_no),
                            share.adapter->build_request(routed.line.request, *share.provider, routed.model).body});
    auto remote = share.api->submit(requests, tag_of(batch_id, name));
    if (!remote)
        return std::unexpected(name + "'s batch API refused the batch: " + remote.error().message +
                               " (nothing was sent twice; run the same command again to retry)");
    share.remote = std::move(*remote);
    share.record.remote_id = share.remote.id;
    share.record.status = share.remote.status;
    if (auto saved = store.save_provider_batch(share.record, unix_ms_now()); !saved)
        return std::unexpected(name + " accepted batch " + share.remote.id + " but it could not be recorded (" +
                               saved.error().message + "); do not re-run before the database is writable again");
    return {};
}

// A batch whose submission a crash interrupted: found at the provider, or sent now.
std::expected<void, std::string> resume_share(ProviderShare& share, BatchStore& store, const std::string& batch_id) {
    if (!share.record.remote_id.empty()) return {};
    // A minute's slack: the provider's clock and ours differ.
    auto found = share.api->find(tag_of(batch_id, share.provider->name), share.record.submitted_ms / 1000 - 60,
                                 static_cast<std::int64_t>(share.record.lines.size()));
    if (!found) return std::unexpected(share.provider->name + ": looking for the batch an earlier run sent failed: " +
                                       found.error().message);
    if (!*found) return submit_share(share, store, batch_id);
    share.remote = std::move(**found);
    share.record.remote_id = share.remote.id;
    share.record.status = share.remote.status;
    if (auto saved = store.save_provider_batch(share.record, unix_ms_now()); !saved)
        return std::unexpected(saved.error().message);
    return {};
}

RequestResult deferred_result_for(const RoutedLine& routed, const ProviderShare& share, const PriceTable& prices,
                         std::expected<ChatResponse, Error> outcome, int http_status) {
    RequestResult result;
    result.request_id = routed.line.request.id;
    result.provider = share.provider->name;
    result.model = routed.model;
    result.tier = routed.tier;
    result.route_reason = routed.reason + "; deferred through " + share.provider->name + "'s batch API (" +
                          share.remote.id + ")";
    result.started_unix_ms = share.record.submitted_ms;
    result.total_ms = static_cast<double>(unix_ms_now() - share.record.submitted_ms);
    result.attempts.push_back(AttemptInfo{.provider = result.provider,
                                          .model = result.model,
                                          .error = outcome ? ErrorClass::None : outcome.error().cls,
                                          .http_status = http_status});
    if (outcome) result.cost_usd = prices.batch_cost_usd(outcome->model.empty() ? routed.model : outcome->model, outcome->usage);
    result.outcome = std::move(outcome);
    return result;
}

// Every line of an ended (or refused) batch, handed on.
std::expected<void, std::string> deliver_share(ProviderShare& share, const PriceTable& prices,
                                         const std::function<void(DeferredResult&&)>& on_result) {
    std::unordered_map<std::string, std::expected<HttpResponse, Error>> by_id;
    if (share.remote.state == RemoteBatchState::Ended) {
        auto results = share.api->results(share.remote);
        if (!results)
            return std::unexpected(share.provider->name + ": the results of batch " + share.remote.id +
                                   " could not be read: " + results.error().message);
        for (auto& line : *results) by_id.emplace(std::move(line.custom_id), std::move(line.response));
    }
    for (auto& routed : share.lines) {
        std::expected<ChatResponse, Error> outcome = std::unexpected(Error{
            ErrorClass::BadRequest, share.provider->name + " refused batch " + share.remote.id + ": " + share.remote.problem});
        int http_status = 0;
        if (share.remote.state == RemoteBatchState::Ended) {
            const auto it = by_id.find(custom_id_of(routed.line.line_no));
            if (it == by_id.end()) {
                outcome = std::unexpected(Error{ErrorClass::ServerTransient, share.provider->name + "'s batch " +
                                                                                 share.remote.id + " (" + share.remote.status +
                                                                                 ") has no result for this line"});
            } else if (!it->second) {
                outcome = std::unexpected(it->second.error());
            } else {
                http_status = it->second->status;
                outcome = share.adapter->parse_response_for(routed.line.request, *it->second);
            }
        }
        auto result = deferred_result_for(routed, share, prices, std::move(outcome), http_status);
        on_result(DeferredResult{std::move(routed.line), std::move(result)});
    }
    return {};
}

}  // namespace

std::expected<DeferredRun, std::string> run_deferred(Engine& engine, BatchStore& store, const std::string& batch_id,
                                                     std::vector<DeferredLine> lines, const DeferredOptions& options,
                                                     const std::function<void(DeferredResult&&)>& on_result) {
    DeferredRun run;
    const auto providers = engine.providers();
    const auto prices = engine.prices();
    auto stored = store.provider_batches(batch_id);
    if (!stored) return std::unexpected(stored.error().message);

    HttpClient client;
    const ProviderBatchApi::Fetch fetch = [&client](HttpRequest request) {
        std::promise<HttpResponse> answer;
        auto future = answer.get_future();
        client.send(std::move(request), [&answer](HttpResponse&& response) { answer.set_value(std::move(response)); });
        return future.get();
    };

    std::map<std::string, ProviderShare> shares;  // by provider name
    for (auto& line : lines) {
        line.request.stream = false;
        const auto preview = engine.preview_route(line.request);
        const ProviderConfig* provider = nullptr;
        if (preview.choice)
            for (const auto& candidate : *providers)
                if (candidate.name == preview.choice->target.provider) provider = &candidate;
        if (!provider || provider->kind == ProviderKind::OpenAICompatible) {
            run.not_deferred.push_back(std::move(line));
            continue;
        }
        auto& share = shares[provider->name];
        if (!share.provider) {
            share.provider = provider;
            share.adapter = make_provider_adapter(provider->kind);
            share.api = make_provider_batch_api(*provider, fetch);
        }
        share.lines.push_back({std::move(line), preview.choice->target.model, preview.classification.tier,
                               preview.classification.reason + "; " + preview.choice->reason});
    }

    for (auto& [name, share] : shares) {
        const auto earlier = std::find_if(stored->begin(), stored->end(),
                                          [&](const ProviderBatchRecord& r) { return r.provider == name; });
        if (earlier == stored->end()) {
            if (auto sent = submit_share(share, store, batch_id); !sent) return std::unexpected(sent.error());
            continue;
        }
        // The lines an earlier run sent stay there; any other (not expected) runs now.
        share.record = *earlier;
        std::vector<RoutedLine> theirs;
        for (auto& routed : share.lines) {
            if (std::binary_search(earlier->lines.begin(), earlier->lines.end(), routed.line.line_no))
                theirs.push_back(std::move(routed));
            else
                run.not_deferred.push_back(std::move(routed.line));
        }
        share.lines = std::move(theirs);
        if (share.lines.empty()) {
            share.done = true;
            continue;
        }
        if (auto resumed = resume_share(share, store, batch_id); !resumed) return std::unexpected(resumed.error());
    }

    auto delay = options.first_poll;
    for (;;) {
        DeferredProgress progress;
        bool pending = false;
        for (auto& [name, share] : shares) {
            if (share.done) continue;
            if (share.remote.id.empty() || share.remote.state == RemoteBatchState::InProgress) {
                auto polled = share.api->retrieve(share.record.remote_id);
                if (!polled) {
                    // A failed poll is not the batch failing: it is asked again next round.
                    progress.status += (progress.status.empty() ? "" : "; ") + name + ": " + polled.error().message;
                    pending = true;
                    continue;
                }
                share.remote = std::move(*polled);
                if (share.remote.status != share.record.status) {
                    share.record.status = share.remote.status;
                    if (auto saved = store.save_provider_batch(share.record, unix_ms_now()); !saved)
                        return std::unexpected(saved.error().message);
                }
            }
            const auto total = static_cast<std::int64_t>(share.lines.size());
            progress.submitted += total;
            progress.completed += share.remote.succeeded;
            progress.failed += share.remote.failed;
            progress.in_progress += std::max<std::int64_t>(0, total - share.remote.succeeded - share.remote.failed);
            progress.status += (progress.status.empty() ? "" : "; ") + name + " " + share.remote.id + " " + share.remote.status;
            if (share.remote.state == RemoteBatchState::InProgress) {
                pending = true;
                continue;
            }
            if (auto delivered = deliver_share(share, *prices, on_result); !delivered) return std::unexpected(delivered.error());
            share.done = true;
        }
        if (options.on_progress) options.on_progress(progress);
        if (!pending) return run;
        const auto until = Clock::now() + delay;
        while (Clock::now() < until) {
            if (options.stop && options.stop->load()) {
                run.interrupted = true;
                return run;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        delay = std::min(options.max_poll, delay * 3 / 2);
    }
}

}  // namespace sb
