#pragma once
// The certificate an https listener presents, as the OpenSSL context new connections are
// made with. A reload reads the files into a new context and swaps it in whole: connections
// keep the context they started with, and bad files leave the current one in place.
#include <expected>
#include <memory>
#include <mutex>
#include <string>

#include "gateway/gateway_options.h"

namespace boost::asio::ssl {
class context;
}

namespace sb {

class TlsCertificate final {
public:
    // Fails naming the file and OpenSSL's reason: unreadable, not PEM, or a key that does not
    // match the certificate.
    static std::expected<std::unique_ptr<TlsCertificate>, std::string> load(GatewayTls files);

    // Thread-safe; on failure the previous certificate stays.
    std::expected<void, std::string> reload();
    // Thread-safe: the context for a new connection.
    std::shared_ptr<boost::asio::ssl::context> current() const;

private:
    TlsCertificate(GatewayTls files, std::shared_ptr<boost::asio::ssl::context> context);

    const GatewayTls m_files;
    mutable std::mutex m_mutex;
    std::shared_ptr<boost::asio::ssl::context> m_context;
};

}  // namespace sb
