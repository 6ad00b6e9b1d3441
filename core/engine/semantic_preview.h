#pragma once
// The semantic half of the Cache page's preview: for a pasted conversation, the closest stored
// question of its scope and how similar it is, or why the conversation does not take part.
// The question is embedded through the request path as a request's would be (no history row);
// no counter of the semantic cache moves.
#include <functional>
#include <optional>
#include <string_view>

#include "cache/response_cache.h"
#include "model/chat.h"

namespace sb {

class RequestPath;

// `preview`: the exact key's preview of `request`; `tier`: the tier it would be routed to.
// `done` is called once, on whichever thread the embedding finishes on.
void preview_semantic(CachePreview preview, const ChatRequest& request, std::string_view tier, ResponseCache& cache,
                      RequestPath& path, std::function<void(std::optional<CachePreview>)> done);

}  // namespace sb
