#pragma once
// The retries apps really have: the official OpenAI SDKs' defaults, as the replay's "raw calls +
// SDK retries" client makes them. Written down from openai-node 6.x (`client.js`: maxRetries,
// shouldRetry, retryRequest, calculateDefaultRetryTimeoutMillis; openai-python's _base_client.py
// keeps the same numbers):
//   - 2 retries (3 attempts at most);
//   - retried: a connection error or timeout (no HTTP answer), and the HTTP statuses 408, 409,
//     429 and 5xx; a header `x-should-retry: true|false` overrides the status either way;
//   - the wait: `retry-after-ms` (milliseconds), else `retry-after` (seconds, or an HTTP date),
//     else 0.5 s × 2^(retries made so far), at most 8 s, times a jitter in (0.75, 1];
//   - openai-python only honours a Retry-After of at most 60 s (a longer one falls back to the
//     backoff); openai-node honours any. The replay's upstreams ask for seconds, so both agree.
#include <chrono>

#include "model/headers.h"

namespace sb::replay {

inline constexpr int kSdkMaxRetries = 2;

// `status` 0: no HTTP answer arrived (connection failure or timeout).
bool sdk_should_retry(int status, const Headers& headers);

// The wait before retry number `retries_made + 1`; `uniform` is a draw from [0, 1). `now` is for
// a Retry-After given as an HTTP date.
std::chrono::milliseconds sdk_retry_delay(int retries_made, const Headers& headers, double uniform,
                                          std::chrono::system_clock::time_point now);

}  // namespace sb::replay
