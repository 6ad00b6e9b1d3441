#include "security/fernet.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <limits>
#include <memory>

#include "model/clock.h"
#include "security/base64url.h"

namespace sb {

namespace {

constexpr unsigned char kVersion = 0x80;
constexpr std::size_t kVersionSize = 1, kTimestampSize = 8, kIvSize = 16, kBlockSize = 16, kHmacSize = 32;
constexpr std::size_t kHeaderSize = kVersionSize + kTimestampSize + kIvSize;
// PKCS7 always adds at least one byte, so even an empty message has one ciphertext block.
constexpr std::size_t kMinTokenSize = kHeaderSize + kBlockSize + kHmacSize;

struct CipherCtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

std::unexpected<std::string> token_error(std::string what) {
    return std::unexpected("Fernet token: " + what);
}

const unsigned char* bytes_of(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

// HMAC-SHA256 under the signing key; false only on an OpenSSL failure.
bool sign(const FernetKey& key, std::string_view signed_part, std::array<unsigned char, kHmacSize>& mac) {
    unsigned int size = 0;
    const auto signing = key.signing_key();
    return HMAC(EVP_sha256(), signing.data(), static_cast<int>(signing.size()), bytes_of(signed_part),
                signed_part.size(), mac.data(), &size) != nullptr &&
           size == mac.size();
}

}  // namespace

std::expected<FernetKey, std::string> FernetKey::parse(std::string_view base64) {
    auto bytes = base64url_decode(base64);
    if (!bytes) return std::unexpected("Fernet key: not url-safe base64 (" + bytes.error() + ")");
    if (bytes->size() != kSize) {
        const auto got = bytes->size();
        OPENSSL_cleanse(bytes->data(), bytes->size());
        return std::unexpected("Fernet key: must be 32 bytes of url-safe base64 (got " + std::to_string(got) +
                               ")");
    }
    FernetKey key;
    std::copy(bytes->begin(), bytes->end(), key.m_bytes.begin());
    OPENSSL_cleanse(bytes->data(), bytes->size());
    return key;
}

std::expected<FernetKey, std::string> FernetKey::generate() {
    FernetKey key;
    if (RAND_bytes(key.m_bytes.data(), static_cast<int>(key.m_bytes.size())) != 1)
        return std::unexpected(std::string("Fernet key: the random number generator failed"));
    return key;
}

FernetKey FernetKey::from_bytes(std::span<const unsigned char, kSize> bytes) {
    FernetKey key;
    std::copy(bytes.begin(), bytes.end(), key.m_bytes.begin());
    return key;
}

FernetKey::~FernetKey() {
    OPENSSL_cleanse(m_bytes.data(), m_bytes.size());
}

std::string FernetKey::to_base64() const {
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(m_bytes.data()), m_bytes.size()));
}

std::expected<std::string, std::string> fernet_encrypt(const FernetKey& key, std::string_view plaintext,
                                                       std::uint64_t now_unix_s, const FernetIv& iv) {
    // EVP takes int lengths.
    if (plaintext.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) - kBlockSize)
        return std::unexpected("Fernet: plaintext of " + std::to_string(plaintext.size()) +
                               " bytes is too large");
    std::string token;
    token.reserve(kHeaderSize + (plaintext.size() / kBlockSize + 1) * kBlockSize + kHmacSize);
    token += static_cast<char>(kVersion);
    for (int shift = 56; shift >= 0; shift -= 8) token += static_cast<char>(now_unix_s >> shift & 0xff);
    token.append(reinterpret_cast<const char*>(iv.data()), iv.size());

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    const auto encryption = key.encryption_key();
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, encryption.data(), iv.data()) != 1)
        return std::unexpected(std::string("Fernet: cannot set up AES-128-CBC"));
    const std::size_t header = token.size();
    token.resize(header + plaintext.size() + kBlockSize);
    auto* out = reinterpret_cast<unsigned char*>(token.data()) + header;
    int written = 0, final_written = 0;
    if (EVP_EncryptUpdate(ctx.get(), out, &written, bytes_of(plaintext),
                          static_cast<int>(plaintext.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx.get(), out + written, &final_written) != 1) {
        OPENSSL_cleanse(token.data(), token.size());
        return std::unexpected(std::string("Fernet: AES-128-CBC encryption failed"));
    }
    token.resize(header + static_cast<std::size_t>(written + final_written));

    std::array<unsigned char, kHmacSize> mac{};
    if (!sign(key, token, mac)) return std::unexpected(std::string("Fernet: HMAC-SHA256 failed"));
    token.append(reinterpret_cast<const char*>(mac.data()), mac.size());
    return base64url_encode(token);
}

std::expected<std::string, std::string> fernet_encrypt(const FernetKey& key, std::string_view plaintext) {
    FernetIv iv{};
    if (RAND_bytes(iv.data(), static_cast<int>(iv.size())) != 1)
        return std::unexpected(std::string("Fernet: the random number generator failed"));
    return fernet_encrypt(key, plaintext, static_cast<std::uint64_t>(unix_seconds_now()), iv);
}

std::expected<std::string, std::string> fernet_decrypt(const FernetKey& key, std::string_view token,
                                                       std::uint64_t now_unix_s,
                                                       std::optional<std::uint64_t> ttl_s) {
    // The order is the spec's: decode, version, age, HMAC, decrypt.
    const auto decoded = base64url_decode(token);
    if (!decoded) return token_error("invalid base64 (" + decoded.error() + ")");
    const std::string_view data = *decoded;
    if (data.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return token_error("too large (" + std::to_string(data.size()) + " bytes)");
    const auto too_short = [&] {
        return token_error("too short (" + std::to_string(data.size()) + " bytes, at least " +
                           std::to_string(kMinTokenSize) + " needed)");
    };
    if (data.size() < kHeaderSize + kHmacSize) return too_short();
    if (static_cast<unsigned char>(data[0]) != kVersion) {
        static constexpr char kHex[] = "0123456789abcdef";
        const auto version = static_cast<unsigned char>(data[0]);
        return token_error(std::string("unknown version 0x") + kHex[version >> 4] + kHex[version & 0xf] +
                           " (expected 0x80)");
    }
    std::uint64_t issued = 0;
    for (std::size_t i = 0; i < kTimestampSize; ++i)
        issued = issued << 8 | static_cast<unsigned char>(data[kVersionSize + i]);
    if (ttl_s) {
        // Unsigned differences taken only in the direction that cannot wrap.
        if (now_unix_s > issued && now_unix_s - issued > *ttl_s)
            return token_error("expired (issued " + std::to_string(now_unix_s - issued) + " s ago, TTL " +
                               std::to_string(*ttl_s) + " s)");
        if (issued > now_unix_s && issued - now_unix_s > kFernetMaxClockSkewS)
            return token_error("timestamp is " + std::to_string(issued - now_unix_s) +
                               " s in the future (more than " + std::to_string(kFernetMaxClockSkewS) +
                               " s of clock skew)");
    }
    const std::size_t ciphertext_size = data.size() - kHeaderSize - kHmacSize;
    if (ciphertext_size == 0) return too_short();
    if (ciphertext_size % kBlockSize != 0)
        return token_error("ciphertext of " + std::to_string(ciphertext_size) +
                           " bytes is not a whole number of 16-byte blocks");

    const std::string_view signed_part = data.substr(0, data.size() - kHmacSize);
    std::array<unsigned char, kHmacSize> mac{};
    if (!sign(key, signed_part, mac)) return std::unexpected(std::string("Fernet: HMAC-SHA256 failed"));
    if (CRYPTO_memcmp(mac.data(), bytes_of(data.substr(signed_part.size())), kHmacSize) != 0)
        return token_error("bad HMAC (wrong key, or the token was altered)");

    CipherCtx ctx(EVP_CIPHER_CTX_new());
    const auto encryption = key.encryption_key();
    const auto* iv = bytes_of(data.substr(kVersionSize + kTimestampSize, kIvSize));
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_128_cbc(), nullptr, encryption.data(), iv) != 1)
        return std::unexpected(std::string("Fernet: cannot set up AES-128-CBC"));
    std::string plaintext(ciphertext_size + kBlockSize, '\0');  // the room EVP_DecryptUpdate asks for
    auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
    int written = 0, final_written = 0;
    if (EVP_DecryptUpdate(ctx.get(), out, &written, bytes_of(data.substr(kHeaderSize, ciphertext_size)),
                          static_cast<int>(ciphertext_size)) != 1) {
        OPENSSL_cleanse(plaintext.data(), plaintext.size());
        return std::unexpected(std::string("Fernet: AES-128-CBC decryption failed"));
    }
    // The HMAC is already verified, so a padding failure here reveals nothing to an attacker.
    if (EVP_DecryptFinal_ex(ctx.get(), out + written, &final_written) != 1) {
        OPENSSL_cleanse(plaintext.data(), plaintext.size());
        return token_error("bad padding after decryption");
    }
    plaintext.resize(static_cast<std::size_t>(written + final_written));
    return plaintext;
}

}  // namespace sb
