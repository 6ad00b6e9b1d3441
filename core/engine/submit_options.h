#pragma once
// How a caller asks the engine to treat one request beyond the request itself.

namespace sb {

struct SubmitOptions {
    bool record_history = true;  // the batch runner writes its own rows (with the batch result)
};

}  // namespace sb
