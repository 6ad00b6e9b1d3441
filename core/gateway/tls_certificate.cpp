#include "gateway/tls_certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <cstring>

namespace sb {

namespace ssl = boost::asio::ssl;

namespace {

// OpenSSL's error queue as one line, earliest (the cause) first, each reason with the detail
// OpenSSL gave (a system call, a decoder's complaint); the queue is left empty.
std::string drain_openssl_errors() {
    std::string reasons;
    const char* data = nullptr;
    int flags = 0;
    while (const unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
        std::string reason;
        if (ERR_GET_LIB(code) == ERR_LIB_SYS) {
            reason = std::strerror(ERR_GET_REASON(code));
        } else if (const char* text = ERR_reason_error_string(code)) {
            reason = text;
        } else {
            char text_of_code[256];
            ERR_error_string_n(code, text_of_code, sizeof text_of_code);
            reason = text_of_code;
        }
        if (data && *data && (flags & ERR_TXT_STRING)) reason += std::string(" (") + data + ")";
        if (reasons.find(reason) != std::string::npos) continue;
        if (!reasons.empty()) reasons += "; ";
        reasons += reason;
    }
    return reasons.empty() ? std::string("unknown OpenSSL error") : reasons;
}

// Without a callback OpenSSL would ask for a passphrase on the terminal and wait for it.
int refuse_passphrase(char*, int, int, void*) {
    return 0;
}

std::expected<std::shared_ptr<ssl::context>, std::string> make_server_context(const GatewayTls& files) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = context->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    // A client may not renegotiate: it would cost the server a handshake per request.
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_default_passwd_cb(native, refuse_passphrase);

    const std::string cert = files.cert_file.string();
    const std::string key = files.key_file.string();
    ERR_clear_error();
    if (SSL_CTX_use_certificate_chain_file(native, cert.c_str()) != 1)
        return std::unexpected("cannot read the TLS certificate " + cert + ": " + drain_openssl_errors());

    // Read apart from the certificate, so a key that does not match is told as such.
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(key.c_str(), "r"), BIO_free);
    const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr) : nullptr, EVP_PKEY_free);
    if (!pkey) return std::unexpected("cannot read the TLS key " + key + ": " + drain_openssl_errors());
    if (SSL_CTX_use_PrivateKey(native, pkey.get()) != 1 || SSL_CTX_check_private_key(native) != 1)
        return std::unexpected("the TLS key " + key + " does not match the certificate " + cert + ": " +
                               drain_openssl_errors());
    return context;
}

}  // namespace

TlsCertificate::TlsCertificate(GatewayTls files, std::shared_ptr<ssl::context> context)
    : m_files(std::move(files)), m_context(std::move(context)) {}

std::expected<std::unique_ptr<TlsCertificate>, std::string> TlsCertificate::load(GatewayTls files) {
    auto context = make_server_context(files);
    if (!context) return std::unexpected("gateway: " + context.error());
    return std::unique_ptr<TlsCertificate>(new TlsCertificate(std::move(files), std::move(*context)));
}

std::expected<void, std::string> TlsCertificate::reload() {
    auto context = make_server_context(m_files);
    if (!context) return std::unexpected(context.error());
    std::lock_guard lock(m_mutex);
    m_context = std::move(*context);
    return {};
}

std::shared_ptr<ssl::context> TlsCertificate::current() const {
    std::lock_guard lock(m_mutex);
    return m_context;
}

}  // namespace sb
