#pragma once
// The OpenAI-compatible endpoint served by the console itself (`switchboard --serve
// HOST:PORT`): the same GatewayServer as `switchboard-gateway serve`, over the console's
// engine, with the gateway keys of the console's history database (which the console's
// Gateway page manages through the same store).
#include <QString>

#include <cstdint>
#include <expected>
#include <memory>

namespace sb {
class GatewayKeyStore;
class GatewayServer;
}  // namespace sb
class LocalEngineHost;

class EmbeddedGateway final {
public:
    // Keys only (no endpoint): the Gateway page can still create and revoke them.
    static std::expected<std::unique_ptr<EmbeddedGateway>, QString> open(LocalEngineHost& host);
    ~EmbeddedGateway();  // stops the endpoint before the key store goes

    // Starts the endpoint; port 0 picks a free one. Loopback unless another address is asked.
    std::expected<void, QString> serve(const QString& address, std::uint16_t port);
    bool serving() const { return m_server != nullptr; }
    QString url() const;  // "http://127.0.0.1:8080/v1"; empty when not serving

private:
    EmbeddedGateway(LocalEngineHost& host, std::shared_ptr<sb::GatewayKeyStore> keys);

    LocalEngineHost& m_host;
    std::shared_ptr<sb::GatewayKeyStore> m_keys;  // shared with the console's key operations
    std::unique_ptr<sb::GatewayServer> m_server;
    QString m_address;
};
