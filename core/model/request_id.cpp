#include "model/request_id.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>

namespace sb {

std::string new_request_id() {
    // Time prefix keeps ids sortable; a per-process random base plus a counter keeps them unique.
    static const std::uint64_t process_salt = std::random_device{}() | (std::uint64_t{std::random_device{}()} << 32);
    static std::atomic<std::uint64_t> counter{0};
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    const std::uint64_t suffix = (process_salt + counter.fetch_add(1)) & 0xffffffffffffULL;
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "sb-%012llx%012llx", static_cast<unsigned long long>(ms) & 0xffffffffffffULL,
                  static_cast<unsigned long long>(suffix));
    return buffer;
}

}  // namespace sb
