// Gateway API keys in a real SQLite file: keys authenticate by hash and the secret never
// reaches the disk; wrong and revoked keys are refused; a key made by another store (another
// process) works at once; rpm, tpm and monthly budgets on an injected clock; eight threads
// at once; and the `keys` CLI end to end with the real binary.
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <limits>
#include <set>
#include <thread>
#include <vector>

#include "gateway/gateway_errors.h"
#include "gateway/gateway_key_store.h"
#include "gateway/gateway_keys.h"
#include "store/database.h"
#include "store/schema.h"

using namespace sb;

namespace {

// 2025-03-20 12:00:00 UTC
constexpr std::int64_t kMarch20Ms = 1742472000000;

class TestClock {
public:
    explicit TestClock(std::int64_t start_ms) : m_ms(start_ms) {}
    std::function<std::chrono::system_clock::time_point()> function() {
        return
            [this] { return std::chrono::system_clock::time_point(std::chrono::milliseconds(m_ms.load())); };
    }
    void advance(std::chrono::milliseconds by) { m_ms += by.count(); }
    void set(std::int64_t ms) { m_ms = ms; }

private:
    std::atomic<std::int64_t> m_ms;
};

std::unique_ptr<GatewayKeyStore> open_store(const std::filesystem::path& file,
                                            std::function<std::chrono::system_clock::time_point()> now = {},
                                            GatewayKeyStoreOptions options = {}) {
    auto store = GatewayKeyStore::open(file, std::move(now), options);
    if (!store) qFatal("%s", store.error().c_str());
    return std::move(*store);
}

NewGatewayKey make_key(GatewayKeyStore& store, const std::string& name, GatewayKeyLimits limits = {}) {
    auto created = store.create(name, limits);
    if (!created) qFatal("%s", created.error().c_str());
    return std::move(*created);
}

QByteArray file_bytes(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

}  // namespace

class TestGatewayKeys : public QObject {
    Q_OBJECT

    std::filesystem::path file(const QTemporaryDir& dir) const {
        return dir.filePath("keys.db").toStdString();
    }

private slots:
    void keyFormatIsUnbiasedBase62() {
        const QRegularExpression format("^sk-sb-[A-Za-z0-9]{40}$");
        std::set<std::string> seen;
        for (int i = 0; i < 200; ++i) {
            auto secret = generate_gateway_key_secret();
            QVERIFY(secret.has_value());
            QVERIFY2(format.match(QString::fromStdString(*secret)).hasMatch(), secret->c_str());
            QVERIFY(looks_like_gateway_key(*secret));
            seen.insert(*secret);
        }
        QCOMPARE(seen.size(), std::size_t(200));
        const auto digest = gateway_key_digest("sk-sb-abc");
        QCOMPARE(digest_from_hex(to_hex(digest)).value(), digest);
        QVERIFY(digests_equal(digest, gateway_key_digest("sk-sb-abc")));
        QVERIFY(!digests_equal(digest, gateway_key_digest("sk-sb-abd")));
    }

    void createdKeyAuthenticatesAndItsSecretIsNotOnDisk() {
        QTemporaryDir dir;
        auto store = open_store(file(dir));
        const auto created = make_key(*store, "checkout-service", {60, 10000, 5.0});
        QVERIFY(looks_like_gateway_key(created.secret));
        QCOMPARE(created.info.prefix, created.secret.substr(0, 10));
        QCOMPARE(created.info.id.size(), std::size_t(12));

        auto caller = store->authenticate(created.secret);
        QVERIFY2(caller.has_value(), caller ? "" : caller.error().message.c_str());
        QCOMPARE(caller->key_id, created.info.id);
        QCOMPARE(caller->key_name, std::string("checkout-service"));
        QVERIFY(store->authenticate("Bearer " + created.secret).has_value());
        QVERIFY(store->admit(*caller, 100).has_value());
        store->charge(*caller, 120, 0.25);
        QVERIFY(store->flush().has_value());

        const QByteArray secret = QByteArray::fromStdString(created.secret);
        const QByteArray body = secret.mid(6);
        const QString db_path = QString::fromStdString(file(dir).string());
        auto check_files = [&] {
            for (const QString& path : {db_path, db_path + "-wal"}) {
                const QByteArray bytes = file_bytes(path);
                QVERIFY2(!bytes.contains(secret), qPrintable(path));
                QVERIFY2(!bytes.contains(body), qPrintable(path));
            }
        };
        QVERIFY(QFile::exists(db_path + "-wal"));
        check_files();
        // And the hash is what is there.
        QVERIFY(file_bytes(db_path + "-wal")
                    .contains(QByteArray::fromStdString(to_hex(gateway_key_digest(created.secret)))) ||
                file_bytes(db_path).contains(
                    QByteArray::fromStdString(to_hex(gateway_key_digest(created.secret)))));
        store.reset();
        check_files();

        auto reopened = open_store(file(dir));
        QVERIFY(reopened->authenticate(created.secret).has_value());
        const auto keys = reopened->list().value();
        QCOMPARE(keys.size(), std::size_t(1));
        QCOMPARE(keys.front().limits, (GatewayKeyLimits{60, 10000, 5.0}));
        QCOMPARE(keys.front().spent_usd, 0.25);
        QVERIFY(keys.front().last_used_ms.has_value());
    }

    void wrongKeysAreRefused() {
        QTemporaryDir dir;
        auto store = open_store(file(dir));
        const auto created = make_key(*store, "a");
        std::string wrong = created.secret;
        wrong.back() = wrong.back() == 'x' ? 'y' : 'x';
        for (const std::string& token :
             {wrong, std::string(), std::string("sk-sb-short"), std::string("Bearer "), created.secret + "x",
              std::string("sk-proj-") + created.secret.substr(6)}) {
            auto caller = store->authenticate(token);
            QVERIFY2(!caller.has_value(), token.c_str());
            QCOMPARE(caller.error().cls, ErrorClass::Auth);
            QVERIFY(!caller.error().message.contains(created.secret.substr(6)));
        }
        QVERIFY(!store->admit({"no-such-id", "x"}, 1).has_value());
    }

    void revokedKeysAreRefused() {
        QTemporaryDir dir;
        auto store = open_store(file(dir));
        const auto first = make_key(*store, "first");
        const auto second = make_key(*store, "second");
        const auto caller = store->authenticate(first.secret).value();

        auto revoked = store->revoke(first.info.id);
        QVERIFY2(revoked.has_value(), revoked ? "" : revoked.error().c_str());
        QVERIFY(revoked->revoked_ms.has_value());
        auto refused = store->authenticate(first.secret);
        QVERIFY(!refused.has_value());
        QCOMPARE(refused.error().cls, ErrorClass::Auth);
        QCOMPARE(refused.error().message, std::string("the API key was revoked"));
        QCOMPARE(store->admit(caller, 1).error().cls, ErrorClass::Auth);
        QVERIFY(store->revoke(first.info.id).has_value());  // again: not an error

        QVERIFY(store->authenticate(second.secret).has_value());
        QVERIFY(!store->revoke("nothing-like-it").has_value());
        QVERIFY(store->revoke(second.info.prefix + "\u2026").has_value());  // by display prefix, as listed
        QVERIFY(!store->authenticate(second.secret).has_value());

        auto reopened = open_store(file(dir));
        QCOMPARE(reopened->authenticate(first.secret).error().message,
                 std::string("the API key was revoked"));
    }

    void aKeyCreatedElsewhereWorksWithoutRestart() {
        QTemporaryDir dir;
        auto gateway = open_store(file(dir));
        QVERIFY(gateway->list()->empty());
        auto cli = open_store(file(dir));  // another process, as far as the gateway can tell
        const auto created = make_key(*cli, "late");
        auto caller = gateway->authenticate(created.secret);
        QVERIFY2(caller.has_value(), caller ? "" : caller.error().message.c_str());
        QCOMPARE(caller->key_id, created.info.id);

        // A revocation elsewhere reaches the gateway on its periodic re-read.
        GatewayKeyStoreOptions fast;
        fast.refresh_interval = std::chrono::milliseconds(50);
        fast.flush_interval = std::chrono::milliseconds(20);
        auto quick = open_store(file(dir), {}, fast);
        QVERIFY(quick->authenticate(created.secret).has_value());
        QVERIFY(cli->revoke(created.info.id).has_value());
        QTRY_VERIFY_WITH_TIMEOUT(!quick->authenticate(created.secret).has_value(), 5000);
    }

    void changedLimitsReachARunningGateway() {
        QTemporaryDir dir;
        GatewayKeyStoreOptions fast;
        fast.refresh_interval = std::chrono::milliseconds(50);
        fast.flush_interval = std::chrono::milliseconds(20);
        auto gateway = open_store(file(dir), {}, fast);
        auto cli = open_store(file(dir));  // another process, as far as the gateway can tell
        const auto created = make_key(*cli, "tight", {2, 500, 10});
        const auto caller = gateway->authenticate(created.secret).value();
        QVERIFY(gateway->admit(caller, 10).has_value());
        QVERIFY(gateway->admit(caller, 10).has_value());
        QVERIFY(!gateway->admit(caller, 10).has_value());

        // Only the limit given changes; the gateway applies it on its next re-read.
        auto changed = cli->change_limits(created.info.prefix + "\u2026", {.rpm = 0});
        QVERIFY2(changed.has_value(), changed ? "" : changed.error().c_str());
        QCOMPARE(changed->limits, (GatewayKeyLimits{0, 500, 10}));
        QTRY_VERIFY_WITH_TIMEOUT(gateway->admit(caller, 10).has_value(), 5000);
        QVERIFY(!gateway->admit(caller, 600).has_value());  // the tokens limit still holds
        QVERIFY(cli->change_limits(created.info.id, {.tpm = 1000, .monthly_budget_usd = 2.5}).has_value());
        QTRY_COMPARE_WITH_TIMEOUT(gateway->list()->front().limits, (GatewayKeyLimits{0, 1000, 2.5}), 5000);
        QVERIFY(gateway->admit(caller, 600).has_value());

        // Refused: a negative or infinite limit, an unknown key, a revoked key.
        QCOMPARE(cli->change_limits(created.info.id, {.rpm = -1}).error(),
                 std::string("limits and budgets cannot be negative"));
        QVERIFY(!cli->change_limits(created.info.id, {.monthly_budget_usd = std::numeric_limits<double>::infinity()}).has_value());
        QVERIFY(!cli->change_limits("nothing-like-it", {.rpm = 1}).has_value());
        QVERIFY(cli->revoke(created.info.id).has_value());
        auto revoked = cli->change_limits(created.info.id, {.rpm = 1});
        QVERIFY(!revoked.has_value());
        QVERIFY2(revoked.error().find("was revoked") != std::string::npos, revoked.error().c_str());
        QCOMPARE(open_store(file(dir))->list()->front().limits, (GatewayKeyLimits{0, 1000, 2.5}));
    }

    void requestsPerMinute() {
        QTemporaryDir dir;
        TestClock clock(kMarch20Ms);
        auto store = open_store(file(dir), clock.function());
        const auto created = make_key(*store, "rpm", {3, 0, 0});
        const auto caller = store->authenticate(created.secret).value();
        for (int i = 0; i < 3; ++i) {
            QVERIFY(store->admit(caller, 10).has_value());
            clock.advance(std::chrono::seconds(1));
        }
        auto limited = store->admit(caller, 10);
        QVERIFY(!limited.has_value());
        QCOMPARE(limited.error().cls, ErrorClass::RateLimited);
        QVERIFY(limited.error().retry_after.has_value());
        const auto wait = *limited.error().retry_after;
        QVERIFY(wait > std::chrono::milliseconds(0));
        QVERIFY(wait <= std::chrono::seconds(60));
        QCOMPARE(wait, std::chrono::milliseconds(57'000));  // the first request leaves the window then
        QVERIFY(QString::fromStdString(limited.error().message).contains("3 requests per minute"));
        // The caller sees why (the key's limit), not a provider's generic rate-limit text.
        const auto answer = gateway_error_for(limited.error());
        QCOMPARE(answer.status, 429);
        QVERIFY2(QString::fromStdString(answer.message).contains("is limited to 3 requests per minute"),
                 answer.message.c_str());

        clock.advance(wait - std::chrono::milliseconds(1));
        QVERIFY(!store->admit(caller, 10).has_value());
        clock.advance(std::chrono::milliseconds(1));
        QVERIFY(store->admit(caller, 10).has_value());
        clock.advance(std::chrono::minutes(1));
        for (int i = 0; i < 3; ++i) QVERIFY(store->admit(caller, 10).has_value());
        QVERIFY(!store->admit(caller, 10).has_value());
    }

    void tokensPerMinute() {
        QTemporaryDir dir;
        TestClock clock(kMarch20Ms);
        auto store = open_store(file(dir), clock.function());
        const auto created = make_key(*store, "tpm", {0, 1000, 0});
        const auto caller = store->authenticate(created.secret).value();
        QVERIFY(store->admit(caller, 600).has_value());
        store->charge(caller, 600, 0.01);
        clock.advance(std::chrono::seconds(10));
        auto limited = store->admit(caller, 500);
        QVERIFY(!limited.has_value());
        QCOMPARE(limited.error().cls, ErrorClass::RateLimited);
        QCOMPARE(limited.error().retry_after.value(), std::chrono::milliseconds(50'000));
        QVERIFY(QString::fromStdString(limited.error().message).contains("1000 tokens per minute"));
        QVERIFY(store->admit(caller, 400).has_value());  // fits next to the 600

        auto too_large = store->admit(caller, 1001);
        QVERIFY(!too_large.has_value());
        QCOMPARE(too_large.error().cls, ErrorClass::RequestTooLarge);

        clock.advance(std::chrono::seconds(50));
        QVERIFY(store->admit(caller, 500).has_value());
    }

    void monthlyBudgetPersistsAndResets() {
        QTemporaryDir dir;
        TestClock clock(kMarch20Ms);
        std::string secret;
        {
            auto store = open_store(file(dir), clock.function());
            const auto created = make_key(*store, "budgeted", {0, 0, 1.0});
            secret = created.secret;
            const auto caller = store->authenticate(secret).value();
            QVERIFY(store->admit(caller, 10).has_value());
            store->charge(caller, 10, 0.6);
            QVERIFY(store->admit(caller, 10).has_value());
            store->charge(caller, 10, 0.5);
            auto refused = store->admit(caller, 10);
            QVERIFY(!refused.has_value());
            QCOMPARE(refused.error().cls, ErrorClass::Budget);
            const QString message = QString::fromStdString(refused.error().message);
            QVERIFY2(
                message.contains("budgeted") && message.contains(QString::fromStdString(created.info.id)),
                qPrintable(message));
            QVERIFY2(message.contains("$1.10 of its $1.00") && message.contains("2025-04-01 00:00 UTC"),
                     qPrintable(message));
        }  // destruction flushes the spend

        {
            auto store = open_store(file(dir), clock.function());
            const auto caller = store->authenticate(secret).value();
            QCOMPARE(store->admit(caller, 10).error().cls, ErrorClass::Budget);
            QVERIFY(qAbs(store->list()->front().spent_usd - 1.1) < 1e-9);

            clock.set(kMarch20Ms + std::int64_t(13) * 24 * 3600 * 1000);  // 2 April
            QVERIFY(store->admit(caller, 10).has_value());
            QCOMPARE(
                store->list()->front().spent_in_month_of(kMarch20Ms + std::int64_t(13) * 24 * 3600 * 1000),
                0.0);
            store->charge(caller, 10, 0.3);
            QVERIFY(store->flush().has_value());
        }
        auto store = open_store(file(dir), clock.function());
        const auto key = store->list()->front();
        QVERIFY(qAbs(key.spent_usd - 0.3) < 1e-9);
        QCOMPARE(key.spent_month_ms, utc_month_start_ms(kMarch20Ms + std::int64_t(13) * 24 * 3600 * 1000));
    }

    void spendFromTwoStoresAddsUp() {
        QTemporaryDir dir;
        auto first = open_store(file(dir));
        auto second = open_store(file(dir));
        const auto created = make_key(*first, "shared", {0, 0, 100});
        const auto a = first->authenticate(created.secret).value();
        const auto b = second->authenticate(created.secret).value();
        first->charge(a, 1, 1.5);
        second->charge(b, 1, 2.0);
        QVERIFY(first->flush().has_value());
        QVERIFY(second->flush().has_value());
        QVERIFY(qAbs(first->list()->front().spent_usd - 3.5) < 1e-9);
    }

    void eightThreadsAtOnce() {
        QTemporaryDir dir;
        TestClock clock(kMarch20Ms);
        auto store = open_store(file(dir), clock.function());
        const auto created = make_key(*store, "busy", {1000, 0, 0});
        std::atomic<int> admitted{0};
        std::atomic<int> limited{0};
        std::atomic<int> other{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t) {
            threads.emplace_back([&] {
                for (int i = 0; i < 200; ++i) {
                    auto caller = store->authenticate(created.secret);
                    if (!caller) {
                        ++other;
                        continue;
                    }
                    auto ok = store->admit(*caller, 10);
                    if (ok) {
                        ++admitted;
                        store->charge(*caller, 10, 0.01);
                    } else if (ok.error().cls == ErrorClass::RateLimited) {
                        ++limited;
                    } else {
                        ++other;
                    }
                }
            });
        }
        for (auto& thread : threads) thread.join();
        QCOMPARE(other.load(), 0);
        QCOMPARE(admitted.load(), 1000);
        QCOMPARE(limited.load(), 600);
        QVERIFY(qAbs(store->list()->front().spent_usd - 10.0) < 1e-6);
        store.reset();
        auto reopened = open_store(file(dir), clock.function());
        QVERIFY(qAbs(reopened->list()->front().spent_usd - 10.0) < 1e-6);
    }

    void migratesAVersionThreeFile() {
        QTemporaryDir dir;
        {
            auto db = Database::open(file(dir));
            QVERIFY(db.has_value());
            QVERIFY(db->exec("DROP TABLE gateway_keys; PRAGMA user_version = 3", "roll back to v3"));
        }
        auto store = open_store(file(dir));
        const auto created = make_key(*store, "after-migration");
        QVERIFY(store->authenticate(created.secret).has_value());
        auto db = Database::open(file(dir));
        QCOMPARE(db->user_version().value(), kSchemaVersion);
    }

    void cliCreatesListsAndRevokes() {
        QTemporaryDir dir;
        const QString db = QString::fromStdString(file(dir).string());
        auto run = [&](const QStringList& arguments) {
            QProcess process;
            auto environment = QProcessEnvironment::systemEnvironment();
            environment.insert("XDG_CONFIG_HOME", dir.filePath("config"));
            environment.insert("XDG_DATA_HOME", dir.filePath("data"));
            process.setProcessEnvironment(environment);
            process.start(SB_GATEWAY_BIN, arguments);
            if (!process.waitForFinished(30000)) process.kill();
            struct Result {
                int code;
                QString out;
                QString err;
            };
            return Result{process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
                          QString::fromUtf8(process.readAllStandardOutput()),
                          QString::fromUtf8(process.readAllStandardError())};
        };

        GatewayKeyStoreOptions fast;
        fast.refresh_interval = std::chrono::milliseconds(50);
        fast.flush_interval = std::chrono::milliseconds(20);
        auto gateway = open_store(file(dir), {}, fast);

        const auto created =
            run({"keys", "create", "checkout-service", "--rpm", "60", "--budget-usd", "12.5", "--db", db});
        QCOMPARE(created.code, 0);
        const auto match = QRegularExpression("^(sk-sb-[A-Za-z0-9]{40})\\n$").match(created.out);
        QVERIFY2(match.hasMatch(), qPrintable(created.out));
        const QString secret = match.captured(1);
        QVERIFY2(created.err.contains("will not be shown again"), qPrintable(created.err));

        auto caller = gateway->authenticate(secret.toStdString());
        QVERIFY2(caller.has_value(), caller ? "" : caller.error().message.c_str());
        QCOMPARE(caller->key_name, std::string("checkout-service"));
        QCOMPARE(gateway->list()->front().limits, (GatewayKeyLimits{60, 0, 12.5}));

        const auto listed = run({"keys", "list", "--database", db});
        QCOMPARE(listed.code, 0);
        QVERIFY2(listed.out.contains("checkout-service"), qPrintable(listed.out));
        QVERIFY(listed.out.contains(QString::fromStdString(caller->key_id)));
        QVERIFY(listed.out.contains(secret.left(10)));
        QVERIFY(!listed.out.contains(secret));
        QVERIFY(!listed.out.contains(secret.mid(10)));
        QVERIFY(
            !listed.out.contains(QString::fromStdString(to_hex(gateway_key_digest(secret.toStdString())))));

        const QString key_id = QString::fromStdString(caller->key_id);
        const auto limited = run({"keys", "limits", key_id, "--rpm", "120", "--tpm", "9000", "--db", db});
        QCOMPARE(limited.code, 0);
        QVERIFY2(limited.out.contains("rpm 120, tpm 9000, monthly budget $12.50"), qPrintable(limited.out));
        QTRY_COMPARE_WITH_TIMEOUT(gateway->list()->front().limits, (GatewayKeyLimits{120, 9000, 12.5}), 5000);
        QCOMPARE(run({"keys", "limits", key_id, "--db", db}).code, 2);  // nothing to change
        QCOMPARE(run({"keys", "limits", key_id, "--rpm", "-5", "--db", db}).code, 2);
        QCOMPARE(run({"keys", "limits", "ffffffffffff", "--rpm", "1", "--db", db}).code, 1);

        const auto revoked = run({"keys", "revoke", QString::fromStdString(caller->key_id), "--db", db});
        QCOMPARE(revoked.code, 0);
        QVERIFY2(revoked.out.contains("revoked"), qPrintable(revoked.out));
        QTRY_VERIFY_WITH_TIMEOUT(!gateway->authenticate(secret.toStdString()).has_value(), 5000);
        QCOMPARE(gateway->authenticate(secret.toStdString()).error().message,
                 std::string("the API key was revoked"));
        QCOMPARE(open_store(file(dir))->authenticate(secret.toStdString()).error().cls, ErrorClass::Auth);

        QCOMPARE(run({"keys", "revoke", "ffffffffffff", "--db", db}).code, 1);
        QCOMPARE(run({"keys"}).code, 2);
        QCOMPARE(run({"keys", "create"}).code, 2);
        QCOMPARE(run({"keys", "create", "x", "--rpm", "many", "--db", db}).code, 2);
        QCOMPARE(run({"keys", "list", "--db", db}).out.count("checkout-service"), 1);

        // Without --db: the XDG default, like the other commands.
        QCOMPARE(run({"keys", "create", "default-place"}).code, 0);
        QVERIFY(QFile::exists(dir.filePath("data/switchboard/switchboard.db")));
    }
};

QTEST_GUILESS_MAIN(TestGatewayKeys)
#include "tst_gateway_keys.moc"
