#pragma once
// OpenAI's Files API over the simulator's file store: POST /v1/files (multipart/form-data with
// `purpose` and `file`, optionally `expires_after[anchor]` and `expires_after[seconds]`),
// GET /v1/files (purpose, limit, order, after), GET /v1/files/{id}, GET /v1/files/{id}/content
// and DELETE /v1/files/{id}, answered and refused in OpenAI's shapes.
#include <cstddef>
#include <cstdint>

#include "simulator/sim_file_store.h"
#include "simulator/sim_http_request.h"
#include "simulator/sim_response.h"

namespace sb {

// The Batch API's limit on an input file.
inline constexpr std::size_t kSimOpenAIBatchFileMaxBytes = std::size_t(200) << 20;

SimResponse sim_openai_files(const SimRequest& request, SimFileStore& files, std::uint64_t entropy);

}  // namespace sb
