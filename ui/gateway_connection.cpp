#include "gateway_connection.h"

#include <QObject>
#include <QUrl>

#include <cstdlib>

#include "security/secret_store.h"

std::string adminKeySecretName(const QString& url) {
    const QUrl parsed(url);
    std::string name = "admin." + parsed.host().toLower().toStdString();
    if (parsed.port() > 0) name += "-" + std::to_string(parsed.port());
    for (char& c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) c = '-';
    return name.substr(0, 64);
}

std::expected<std::string, QString> adminKeyFor(const QString& url) {
    if (const char* key = std::getenv("SWITCHBOARD_ADMIN_KEY"); key && *key) return std::string(key);
    const auto name = adminKeySecretName(url);
    auto store = sb::SecretStore::open();
    if (!store) return std::unexpected(QString::fromStdString(store.error()));
    auto key = store->get(name);
    if (!key) return std::unexpected(QString::fromStdString(key.error()));
    if (!*key)
        return std::unexpected(QObject::tr("no admin key for %1: set SWITCHBOARD_ADMIN_KEY, or keep it in the secret "
                                           "store with `switchboard-gateway secrets set %2`")
                                   .arg(url, QString::fromStdString(name)));
    return **key;
}

std::expected<void, QString> rememberAdminKey(const QString& url, const std::string& key) {
    auto store = sb::SecretStore::open();
    if (!store) return std::unexpected(QString::fromStdString(store.error()));
    if (auto saved = store->set(adminKeySecretName(url), key); !saved) return std::unexpected(QString::fromStdString(saved.error()));
    return {};
}

std::expected<std::unique_ptr<sb::FleetView>, QString> attachToGateway(const GatewayConnection& connection,
                                                                      std::string adminKey) {
    const char* user = std::getenv("USER");
    const sb::RemoteConsoleOptions options{.url = connection.url.toStdString(),
                                           .admin_key = std::move(adminKey),
                                           .ca_file = connection.caFile.toStdString(),
                                           .operator_name = std::string(user && *user ? user : "operator") + " (console)"};
    auto console = sb::RemoteConsole::create(options);
    if (!console) return std::unexpected(QString::fromStdString(console.error()));
    (*console)->connect();
    return std::make_unique<sb::FleetView>(std::move(*console), options);
}
