#pragma once
// Anthropic's Message Batches: the lines sent inline (POST /messages/batches, each as
// {custom_id, params}), polled (GET /messages/batches/{id}) and their results read as JSONL
// (the batch's results_url). Batches carry no metadata, so find() knows a batch by its time
// and its number of requests.
#include <memory>

#include "providers/provider_batch_api.h"

namespace sb {

std::unique_ptr<ProviderBatchApi> make_anthropic_batch_api(const ProviderConfig& provider,
                                                           ProviderBatchApi::Fetch fetch);

}  // namespace sb
