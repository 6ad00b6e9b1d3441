// The OpenAI SDKs' default retries (see sdk_retry.h for where each number comes from).
#include "replay/sdk_retry.h"

#include <algorithm>
#include <cmath>

#include "model/error.h"

namespace sb::replay {

bool sdk_should_retry(int status, const Headers& headers) {
    if (const auto told = header_value(headers, "x-should-retry")) {
        if (*told == "true") return true;
        if (*told == "false") return false;
    }
    return status == 0 || status == 408 || status == 409 || status == 429 || status >= 500;
}

std::chrono::milliseconds sdk_retry_delay(int retries_made, const Headers& headers, double uniform,
                                          std::chrono::system_clock::time_point now) {
    if (const auto asked = parse_retry_after(headers, now)) return std::max(*asked, std::chrono::milliseconds(0));
    const double backoff_s = std::min(0.5 * std::pow(2.0, retries_made), 8.0);
    const double jitter = 1.0 - uniform * 0.25;
    return std::chrono::milliseconds(static_cast<long long>(std::llround(backoff_s * jitter * 1000.0)));
}

}  // namespace sb::replay
