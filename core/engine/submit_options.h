#pragma once
// How a caller asks the engine to treat one request beyond the request itself.

namespace sb {

struct SubmitOptions {
    bool record_history = true;  // the batch runner writes its own rows (with the batch result)
    bool cached = true;          // the semantic cache's own embeddings stay out of the cache and its figures
    bool hedged = true;          // may be hedged when retry.hedge is on
};

}  // namespace sb
