#pragma once
// Attaching the console to a gateway across the network: where its admin key is kept (the
// encrypted secret store, one entry per gateway) and the RemoteConsole that watches it.
#include <QString>

#include <expected>
#include <memory>

#include "console/fleet_view.h"

struct GatewayConnection {
    QString url;     // "https://gw-eu-1.example:8443"
    QString caFile;  // PEM; empty = the system's CAs
};

// The secret store's name for a gateway's admin key: "admin." + host and port
// ("admin.gw-eu-1.example-8443").
std::string adminKeySecretName(const QString& url);

// The admin key for `url`: SWITCHBOARD_ADMIN_KEY when set, else the secret store's entry;
// an error names both places.
std::expected<std::string, QString> adminKeyFor(const QString& url);

// Keeps `key` in the secret store under adminKeySecretName(url).
std::expected<void, QString> rememberAdminKey(const QString& url, const std::string& key);

// A RemoteConsole for `connection`, its stream opened (nothing waits for it), as a FleetView:
// attached to a fleet member, the other instances are attached too.
std::expected<std::unique_ptr<sb::FleetView>, QString> attachToGateway(const GatewayConnection& connection,
                                                                      std::string adminKey);
