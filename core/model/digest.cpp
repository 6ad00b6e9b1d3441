#include "model/digest.h"

#include <memory>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace sb {

namespace {

// OpenSSL 3 looks the algorithm up in a locked table on every one-shot EVP_Digest with
// EVP_sha256(), and allocates a context each time; for the short texts hashed per request
// that cost more than the hash. The method is fetched once, and each thread keeps a context.
const EVP_MD* sha256_method() {
    static EVP_MD* const method = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return method;
}

struct ContextFree {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

EVP_MD_CTX* thread_context() {
    thread_local const std::unique_ptr<EVP_MD_CTX, ContextFree> context(EVP_MD_CTX_new());
    return context.get();
}

}  // namespace

Sha256Digest sha256(std::string_view data) {
    Sha256Digest digest{};
    EVP_MD_CTX* context = thread_context();
    const EVP_MD* method = sha256_method();
    unsigned int size = 0;
    const bool ok = context && method && EVP_DigestInit_ex2(context, method, nullptr) == 1 &&
                    EVP_DigestUpdate(context, data.data(), data.size()) == 1 &&
                    EVP_DigestFinal_ex(context, digest.data(), &size) == 1 && size == digest.size();
    if (!ok) digest.fill(0);
    return digest;
}

std::string to_hex(std::span<const unsigned char> bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char byte : bytes) {
        out.push_back(kHex[byte >> 4]);
        out.push_back(kHex[byte & 0x0f]);
    }
    return out;
}

std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

bool digests_equal(const Sha256Digest& a, const Sha256Digest& b) {
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool matches_digest(std::string_view secret, const Sha256Digest& digest) {
    // A failed hash is all zeros: it must not match a digest that also failed.
    const Sha256Digest presented = sha256(secret);
    return presented != Sha256Digest{} && digests_equal(presented, digest);
}

}  // namespace sb
