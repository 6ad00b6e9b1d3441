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

// Constant time: how long it takes says nothing about where the digests differ.
bool digests_equal(const Sha256Digest& a, const Sha256Digest& b);

// Whether `secret` is the one whose SHA-256 is `digest`. Digests of a fixed length are
// compared in constant time, so the time says nothing about the secret's length or content.
bool matches_digest(std::string_view secret, const Sha256Digest& digest);

}  // namespace sb
