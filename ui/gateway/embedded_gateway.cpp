#include "gateway/embedded_gateway.h"

#include "local_engine_host.h"
#include "gateway/gateway_key_store.h"
#include "gateway/gateway_server.h"

EmbeddedGateway::EmbeddedGateway(LocalEngineHost& host, std::shared_ptr<sb::GatewayKeyStore> keys)
    : m_host(host), m_keys(std::move(keys)) {
    m_host.console().set_key_store(m_keys);
}

EmbeddedGateway::~EmbeddedGateway() {
    if (m_server) m_server->stop();
    m_server.reset();
}

std::expected<std::unique_ptr<EmbeddedGateway>, QString> EmbeddedGateway::open(LocalEngineHost& host) {
    const auto database = host.engine().database_path();
    if (database.empty()) return std::unexpected(QObject::tr("gateway keys are kept in the history database, and history is off"));
    auto keys = sb::GatewayKeyStore::open(database);
    if (!keys) return std::unexpected(QString::fromStdString(keys.error()));
    return std::unique_ptr<EmbeddedGateway>(new EmbeddedGateway(host, std::move(*keys)));
}

std::expected<void, QString> EmbeddedGateway::serve(const QString& address, std::uint16_t port) {
    if (m_server) return std::unexpected(QObject::tr("already serving at %1").arg(url()));
    sb::GatewayOptions options;
    options.address = address.toStdString();
    options.port = port;
    options.auth = m_keys.get();
    options.metrics_text = [this] { return m_host.engine().prometheus_text(); };
    auto server = sb::GatewayServer::start(m_host.engine(), options);
    if (!server) return std::unexpected(QString::fromStdString(server.error()));
    m_server = std::move(*server);
    m_address = address;
    return {};
}

QString EmbeddedGateway::url() const {
    if (!m_server) return {};
    const bool v6 = m_address.contains(QLatin1Char(':'));
    return QStringLiteral("http://%1%2%3:%4/v1")
        .arg(v6 ? QStringLiteral("[") : QString(), m_address, v6 ? QStringLiteral("]") : QString())
        .arg(m_server->port());
}
