// What Apply on the Providers page writes, off the GUI thread: secrets, then the config file.
#include "providers/providers_saver.h"

#include <memory>

#include "common/file_writes.h"
#include "config/config_file_writer.h"
#include "security/secret_store.h"

namespace {

std::expected<QString, QString> write(const ProvidersSave& save) {
    QStringList done;
    if (!save.keys.empty()) {
        auto store = sb::SecretStore::open();
        if (!store)
            return std::unexpected(
                QObject::tr("keys not stored: %1").arg(QString::fromStdString(store.error())));
        for (const auto& [name, key] : save.keys)
            if (auto set = store->set(name, key); !set)
                return std::unexpected(
                    QObject::tr("keys not stored: %1").arg(QString::fromStdString(set.error())));
        done << QObject::tr("key stored in the secret store");
    }
    if (!save.configFile.empty()) {
        if (auto saved = sb::save_providers(save.configFile, save.providers, save.whole); !saved)
            return std::unexpected(QObject::tr("not saved: %1").arg(QString::fromStdString(saved.error())));
        done << QObject::tr("saved to %1").arg(QString::fromStdString(save.configFile.string()));
    }
    return done.join(QStringLiteral("; "));
}

}  // namespace

void saveProviders(ProvidersSave save, QObject* context,
                   std::function<void(std::expected<QString, QString>)> done) {
    writeInBackground<std::expected<QString, QString>>(
        context, [save = std::make_shared<const ProvidersSave>(std::move(save))] { return write(*save); }, std::move(done));
}
