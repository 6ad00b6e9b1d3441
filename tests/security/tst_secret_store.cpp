// The secret store: values are stored Fernet-encrypted (the file never holds them in plain
// text), the file and its key file are 0600, a store others may read is refused, names are
// checked, removal works, a wrong key file opens nothing, and process_environment() resolves
// "secret:NAME" from the default store (XDG dirs pointed at a temporary directory).
#include <sys/stat.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "config/paths.h"
#include "security/secret_environment.h"
#include "security/secret_store.h"

using namespace sb;

namespace {

std::string read(const std::filesystem::path& file) {
    QFile f(QString::fromStdString(file.string()));
    return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
}

unsigned mode_of(const std::filesystem::path& file) {
    struct stat info {};
    ::stat(file.c_str(), &info);
    return info.st_mode & 0777;
}

const std::string kValue = "sk-proj-" + std::string("T3stOnlyNotAKey").append(3, 'x') + "9f2Kd81Lq";

}  // namespace

class TestSecretStore : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    std::filesystem::path path(const char* name) const { return m_dir.filePath(name).toStdString(); }

private slots:
    void storesEncryptedWithPrivateFiles() {
        auto store = SecretStore::open(path("a/secrets.json"), path("a-config/secret.key"));
        QVERIFY2(store.has_value(), store ? "" : store.error().c_str());
        QVERIFY(store->set("openai", kValue).has_value());
        QCOMPARE(store->names(), std::vector<std::string>{"openai"});
        QCOMPARE(mode_of(path("a/secrets.json")), 0600u);
        QCOMPARE(mode_of(path("a-config/secret.key")), 0600u);
        QVERIFY(read(path("a/secrets.json")).find(kValue) == std::string::npos);
        QVERIFY(read(path("a/secrets.json")).find("\"openai\"") != std::string::npos);

        auto again = SecretStore::open(path("a/secrets.json"), path("a-config/secret.key"));
        QVERIFY(again.has_value());
        const auto value = again->get("openai");
        QVERIFY(value.has_value() && value->has_value());
        QCOMPARE(**value, kValue);
        QVERIFY(!again->get("anthropic")->has_value());

        QCOMPARE(*again->remove("openai"), true);
        QCOMPARE(*again->remove("openai"), false);
        QVERIFY(SecretStore::open(path("a/secrets.json"), path("a-config/secret.key"))->names().empty());
    }

    void aStoreOthersMayReadIsRefused() {
        auto store = SecretStore::open(path("b/secrets.json"), path("b/secret.key"));
        QVERIFY(store->set("openai", kValue).has_value());
        ::chmod(path("b/secrets.json").c_str(), 0644);
        const auto refused = SecretStore::open(path("b/secrets.json"), path("b/secret.key"));
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error(), path("b/secrets.json").string() + ": others may access it (mode 0644); chmod 600 it");
    }

    void aWrongKeyOpensNothingAndNamesAreChecked() {
        auto store = SecretStore::open(path("c/secrets.json"), path("c/secret.key"));
        QVERIFY(store->set("openai", kValue).has_value());
        auto other = SecretStore::open(path("c/secrets.json"), path("c/other.key"));
        QVERIFY(other.has_value());
        QVERIFY(other->set("unrelated", "x").has_value());  // creates other.key
        const auto wrong = other->get("openai");
        QVERIFY(!wrong.has_value());
        QVERIFY2(wrong.error().find("bad HMAC") != std::string::npos, wrong.error().c_str());
        QVERIFY(wrong.error().find(kValue) == std::string::npos);
        QVERIFY(!store->set("Open AI", "x").has_value());
        QVERIFY(!store->set("openai", "").has_value());
    }

    void processEnvironmentResolvesSecretReferences() {
        qputenv("XDG_DATA_HOME", m_dir.filePath("xdg-data").toUtf8());
        qputenv("XDG_CONFIG_HOME", m_dir.filePath("xdg-config").toUtf8());
        auto store = SecretStore::open();
        QVERIFY(store.has_value());
        QCOMPARE(default_secret_store_file(), path("xdg-data/switchboard/secrets.json"));
        QVERIFY(store->set("anthropic", kValue).has_value());
        const auto lookup = process_environment();
        QCOMPARE(lookup("secret:anthropic").value_or(""), kValue);
        QVERIFY(!lookup("secret:nobody").has_value());
    }
};

QTEST_APPLESS_MAIN(TestSecretStore)
#include "tst_secret_store.moc"
