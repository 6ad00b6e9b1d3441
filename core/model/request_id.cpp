#include "model/request_id.h"

#include <atomic>
#include <random>

#include "model/clock.h"

namespace sb {

std::string new_request_id() {
    // Time prefix keeps ids sortable; a per-process random base plus a counter keeps them unique.
    static const std::uint64_t process_salt = std::random_device{}() | (std::uint64_t{std::random_device{}()} << 32);
    static std::atomic<std::uint64_t> counter{0};
    const auto ms = unix_ms_now();
    const std::uint64_t suffix = (process_salt + counter.fetch_add(1)) & 0xffffffffffffULL;
    // "sb-" and 12 hex digits of each; written by hand because snprintf cost more than the
    // rest of the id (it is made for every request).
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id = "sb-000000000000000000000000";
    auto put = [&id](std::size_t at, std::uint64_t value) {
        for (std::size_t i = 12; i-- > 0; value >>= 4) id[at + i] = kHex[value & 0xf];
    };
    put(3, static_cast<std::uint64_t>(ms) & 0xffffffffffffULL);
    put(15, suffix);
    return id;
}

}  // namespace sb
