#pragma once
// OpenAI's Batch API: the lines uploaded as a JSONL file (POST /files, purpose "batch"), a
// batch made of it (POST /batches, window 24h, tagged in its metadata), polled (GET
// /batches/{id}), and its output and error files read (GET /files/{id}/content).
#include <memory>

#include "providers/provider_batch_api.h"

namespace sb {

std::unique_ptr<ProviderBatchApi> make_openai_batch_api(const ProviderConfig& provider, ProviderBatchApi::Fetch fetch);

}  // namespace sb
