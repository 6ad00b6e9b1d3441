#pragma once
// Failed TLS handshakes of an https listener, tallied across its threads for the server's
// owner to report: a client that rejects the certificate, or speaks plain http to the port.
#include <cstdint>
#include <mutex>
#include <string>

namespace sb {

class TlsHandshakeFailures final {
public:
    struct Tally {
        std::uint64_t count = 0;
        std::string latest_reason;  // OpenSSL's, e.g. "tlsv1 alert unknown ca"
    };

    void record(std::string reason) {
        std::lock_guard lock(m_mutex);
        ++m_tally.count;
        m_tally.latest_reason = std::move(reason);
    }
    Tally tally() const {
        std::lock_guard lock(m_mutex);
        return m_tally;
    }

private:
    mutable std::mutex m_mutex;
    Tally m_tally;
};

}  // namespace sb
