#pragma once
#include <array>
#include <span>
#include <string>
#include <string_view>

namespace sb {

using Sha256Digest = std::array<unsigned char, 32>;

// SHA-256 of `data` (OpenSSL). All zero bytes if OpenSSL fails, which over memory it only
// does when an allocation fails; a zero digest matches nothing real.
Sha256Digest sha256(std::string_view data);

// Lower-case hex, two digits a byte.
std::string to_hex(std::span<const unsigned char> bytes);

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace sb
