#pragma once
// Fernet (https://github.com/fernet/spec, version 0x80): authenticated symmetric encryption
// of a byte string into a url-safe text token — AES-128-CBC with PKCS7 padding, then
// HMAC-SHA256 over version ‖ timestamp ‖ IV ‖ ciphertext. Tokens interoperate with the
// reference implementations (Python `cryptography.fernet`, Go, Ruby). Error messages name
// what was wrong with a key or token and never contain key material or plaintext.
#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sb {

// Tokens whose timestamp is further ahead of the verifier's clock than this are rejected
// when a TTL is given (as the reference implementations do).
inline constexpr std::uint64_t kFernetMaxClockSkewS = 60;

using FernetIv = std::array<unsigned char, 16>;

// Signing key (16 bytes) ‖ encryption key (16 bytes). Wiped from memory on destruction.
class FernetKey final {
public:
    static constexpr std::size_t kSize = 32;

    // The text form: 44 characters of base64url, '=' padding included.
    static std::expected<FernetKey, std::string> parse(std::string_view base64);
    // 32 bytes from RAND_bytes; fails only if OpenSSL's generator does.
    static std::expected<FernetKey, std::string> generate();
    static FernetKey from_bytes(std::span<const unsigned char, kSize> bytes);

    FernetKey(const FernetKey& other) = default;
    FernetKey& operator=(const FernetKey& other) = default;
    ~FernetKey();

    std::string to_base64() const;
    std::span<const unsigned char, 16> signing_key() const { return std::span(m_bytes).first<16>(); }
    std::span<const unsigned char, 16> encryption_key() const { return std::span(m_bytes).last<16>(); }

private:
    FernetKey() = default;
    std::array<unsigned char, kSize> m_bytes{};
};

// Deterministic given `now_unix_s` and `iv`, which is what the spec's test vectors need.
// Never reuse an IV with the same key: use the overload below outside tests.
std::expected<std::string, std::string> fernet_encrypt(const FernetKey& key, std::string_view plaintext,
                                                       std::uint64_t now_unix_s, const FernetIv& iv);
// The current time and a random IV from RAND_bytes.
std::expected<std::string, std::string> fernet_encrypt(const FernetKey& key, std::string_view plaintext);

// Verifies and decrypts. With `ttl_s`, a token older than ttl_s seconds at `now_unix_s`, or
// more than kFernetMaxClockSkewS seconds in its future, is rejected; without it the
// timestamp is not checked (a stored secret must stay readable whatever the clock says).
std::expected<std::string, std::string> fernet_decrypt(const FernetKey& key, std::string_view token,
                                                       std::uint64_t now_unix_s,
                                                       std::optional<std::uint64_t> ttl_s = std::nullopt);

}  // namespace sb
