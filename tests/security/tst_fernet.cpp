// Fernet against the spec's own vectors (tests/data/fernet: every generate vector
// reproduced byte for byte, every verify vector decrypted, every invalid vector refused for
// its own reason), plus round trips, key parsing, tampering and the TTL clock rules.
#include <QtTest>
#include <limits>
#include <nlohmann/json.hpp>

#include "security/base64url.h"
#include "security/fernet.h"

using namespace sb;

namespace {

nlohmann::json load_vectors(const char* name) {
    QFile file(QStringLiteral(SB_TESTDATA_DIR "/fernet/") + name);
    if (!file.open(QIODevice::ReadOnly)) return nlohmann::json();
    return nlohmann::json::parse(file.readAll().toStdString(), nullptr, false);
}

std::uint64_t unix_s(const std::string& iso) {
    const auto time = QDateTime::fromString(QString::fromStdString(iso), Qt::ISODate);
    return static_cast<std::uint64_t>(time.toSecsSinceEpoch());
}

FernetKey parse_key(const std::string& text) {
    auto key = FernetKey::parse(text);
    if (!key) qFatal("%s", key.error().c_str());
    return *key;
}

FernetKey fixed_key() {
    std::array<unsigned char, 32> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 7 + 1);
    return FernetKey::from_bytes(bytes);
}

QString error_of(const std::expected<std::string, std::string>& result) {
    return result ? QString() : QString::fromStdString(result.error());
}

}  // namespace

class TestFernet : public QObject {
    Q_OBJECT

private slots:
    void vector_files_present() {
        for (const char* name : {"generate.json", "verify.json", "invalid.json"}) {
            const auto vectors = load_vectors(name);
            QVERIFY2(vectors.is_array() && !vectors.empty(), name);
            qInfo("%s: %zu vectors", name, vectors.size());
        }
    }

    void generate_vectors_data() {
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QString>("now");
        QTest::addColumn<QByteArray>("iv");
        QTest::addColumn<QByteArray>("src");
        QTest::addColumn<QString>("token");
        int n = 0;
        for (const auto& v : load_vectors("generate.json")) {
            QByteArray iv;
            for (const auto& byte : v.at("iv")) iv.append(static_cast<char>(byte.get<int>()));
            QTest::addRow("generate %d", n++)
                << QString::fromStdString(v.at("secret")) << QString::fromStdString(v.at("now")) << iv
                << QByteArray::fromStdString(v.at("src")) << QString::fromStdString(v.at("token"));
        }
    }
    void generate_vectors() {
        QFETCH(QString, secret);
        QFETCH(QString, now);
        QFETCH(QByteArray, iv);
        QFETCH(QByteArray, src);
        QFETCH(QString, token);
        QCOMPARE(iv.size(), 16);
        FernetIv fixed_iv{};
        std::copy(iv.begin(), iv.end(), fixed_iv.begin());
        const auto made = fernet_encrypt(parse_key(secret.toStdString()), src.toStdString(),
                                         unix_s(now.toStdString()), fixed_iv);
        QVERIFY(made);
        QCOMPARE(QString::fromStdString(*made), token);
    }

    void verify_vectors_data() {
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QString>("now");
        QTest::addColumn<qulonglong>("ttl");
        QTest::addColumn<QString>("token");
        QTest::addColumn<QByteArray>("src");
        int n = 0;
        for (const auto& v : load_vectors("verify.json"))
            QTest::addRow("verify %d", n++)
                << QString::fromStdString(v.at("secret")) << QString::fromStdString(v.at("now"))
                << qulonglong(v.at("ttl_sec").get<std::uint64_t>()) << QString::fromStdString(v.at("token"))
                << QByteArray::fromStdString(v.at("src"));
    }
    void verify_vectors() {
        QFETCH(QString, secret);
        QFETCH(QString, now);
        QFETCH(qulonglong, ttl);
        QFETCH(QString, token);
        QFETCH(QByteArray, src);
        const auto plain = fernet_decrypt(parse_key(secret.toStdString()), token.toStdString(),
                                          unix_s(now.toStdString()), ttl);
        QVERIFY2(plain, qPrintable(error_of(plain)));
        QCOMPARE(QByteArray::fromStdString(*plain), src);
    }

    void invalid_vectors_data() {
        QTest::addColumn<QString>("secret");
        QTest::addColumn<QString>("now");
        QTest::addColumn<qulonglong>("ttl");
        QTest::addColumn<QString>("token");
        QTest::addColumn<QString>("reason");
        // What each vector of the spec repository is meant to trip over; a vector added later
        // without an entry here is still checked to be refused.
        const std::map<std::string, QString> reasons = {
            {"incorrect mac", "bad HMAC"},
            {"too short", "too short"},
            {"invalid base64", "invalid base64"},
            {"payload size not multiple of block size", "16-byte blocks"},
            {"payload padding error", "bad padding"},
            {"far-future TS (unacceptable clock skew)", "in the future"},
            {"expired TTL", "expired"},
            {"incorrect IV (causes padding error)", "bad padding"},
        };
        for (const auto& v : load_vectors("invalid.json")) {
            const std::string desc = v.at("desc");
            const auto reason = reasons.find(desc);
            QTest::newRow(desc.c_str())
                << QString::fromStdString(v.at("secret")) << QString::fromStdString(v.at("now"))
                << qulonglong(v.at("ttl_sec").get<std::uint64_t>()) << QString::fromStdString(v.at("token"))
                << (reason == reasons.end() ? QString() : reason->second);
        }
    }
    void invalid_vectors() {
        QFETCH(QString, secret);
        QFETCH(QString, now);
        QFETCH(qulonglong, ttl);
        QFETCH(QString, token);
        QFETCH(QString, reason);
        const auto plain = fernet_decrypt(parse_key(secret.toStdString()), token.toStdString(),
                                          unix_s(now.toStdString()), ttl);
        QVERIFY(!plain);
        const QString error = error_of(plain);
        QVERIFY(error.startsWith("Fernet token: ") && error.size() > 14);
        QVERIFY2(error.contains(reason), qPrintable(error));
    }

    void round_trip_random_key() {
        const auto key = FernetKey::generate();
        QVERIFY(key);
        std::string binary;
        for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
        for (std::size_t size : {0, 1, 15, 16, 17, 31, 32, 33, 256}) {
            const std::string plain = binary.substr(0, size);
            const auto token = fernet_encrypt(*key, plain);
            QVERIFY(token);
            QVERIFY(!QByteArray::fromStdString(*token).contains(QByteArray::fromStdString(plain)) ||
                    size < 4);
            const auto back =
                fernet_decrypt(*key, *token, std::uint64_t(QDateTime::currentSecsSinceEpoch()), 60);
            QVERIFY2(back, qPrintable(error_of(back)));
            QCOMPARE(*back, plain);
        }
        // A random IV each time: the same message never gives the same token.
        QVERIFY(*fernet_encrypt(*key, "same") != *fernet_encrypt(*key, "same"));
    }

    void wrong_key_is_bad_hmac() {
        const auto token = fernet_encrypt(fixed_key(), "secret", 1000, FernetIv{});
        QVERIFY(token);
        const auto other = FernetKey::generate();
        QVERIFY(other);
        QCOMPARE(error_of(fernet_decrypt(*other, *token, 1000)),
                 QString("Fernet token: bad HMAC (wrong key, or the token was altered)"));
    }

    void any_tampered_character_is_rejected() {
        const auto key = fixed_key();
        const auto token = fernet_encrypt(key, "attack at dawn!!x", 1000, FernetIv{1, 2, 3});
        QVERIFY(token);
        QVERIFY(fernet_decrypt(key, *token, 1000));
        static const std::string alphabet =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=";
        for (std::size_t i = 0; i < token->size(); ++i) {
            for (char replacement : alphabet) {
                if (replacement == (*token)[i]) continue;
                std::string tampered = *token;
                tampered[i] = replacement;
                const auto result = fernet_decrypt(key, tampered, 1000);
                QVERIFY2(!result, qPrintable(QString("character %1 -> %2 accepted").arg(i).arg(replacement)));
                QVERIFY(!result.error().empty());
            }
        }
    }

    void any_tampered_byte_is_rejected() {
        const auto key = fixed_key();
        const auto token = fernet_encrypt(key, "attack at dawn", 1000, FernetIv{9});
        QVERIFY(token);
        const auto raw = base64url_decode(*token);
        QVERIFY(raw);
        for (std::size_t i = 0; i < raw->size(); ++i) {
            for (int bit = 0; bit < 8; ++bit) {
                std::string tampered = *raw;
                tampered[i] = static_cast<char>(tampered[i] ^ (1 << bit));
                QVERIFY2(!fernet_decrypt(key, base64url_encode(tampered), 1000),
                         qPrintable(QString("byte %1 bit %2 accepted").arg(i).arg(bit)));
            }
        }
        // Truncated or extended tokens too.
        QVERIFY(!fernet_decrypt(key, base64url_encode(raw->substr(0, raw->size() - 1)), 1000));
        QVERIFY(!fernet_decrypt(key, base64url_encode(*raw + '\0'), 1000));
        QVERIFY(!fernet_decrypt(key, base64url_encode(raw->substr(0, raw->size() - 16)), 1000));
    }

    void version_byte_checked() {
        const auto key = fixed_key();
        auto raw = *base64url_decode(*fernet_encrypt(key, "x", 1000, FernetIv{}));
        raw[0] = '\x81';
        QCOMPARE(error_of(fernet_decrypt(key, base64url_encode(raw), 1000)),
                 QString("Fernet token: unknown version 0x81 (expected 0x80)"));
    }

    void ttl_with_injected_clock() {
        const auto key = fixed_key();
        const std::uint64_t issued = 1'700'000'000;
        const auto token = *fernet_encrypt(key, "hello", issued, FernetIv{});
        QVERIFY(fernet_decrypt(key, token, issued + 60, 60));
        QCOMPARE(error_of(fernet_decrypt(key, token, issued + 61, 60)),
                 QString("Fernet token: expired (issued 61 s ago, TTL 60 s)"));
        QVERIFY(fernet_decrypt(key, token, issued + 1'000'000));  // no TTL: age not checked
        // Clock skew: a token up to 60 s ahead of the verifier's clock is fine, beyond is not.
        QVERIFY(fernet_decrypt(key, token, issued - 60, 60));
        QCOMPARE(error_of(fernet_decrypt(key, token, issued - 61, 60)),
                 QString("Fernet token: timestamp is 61 s in the future (more than 60 s of clock skew)"));
        QVERIFY(fernet_decrypt(key, token, issued - 1'000'000));  // no TTL: not checked either
    }

    void extreme_timestamps_do_not_wrap() {
        const auto key = fixed_key();
        constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
        const auto far_future = *fernet_encrypt(key, "x", kMax, FernetIv{});
        QVERIFY(error_of(fernet_decrypt(key, far_future, 0, kMax)).contains("in the future"));
        const auto epoch = *fernet_encrypt(key, "x", 0, FernetIv{});
        QVERIFY(error_of(fernet_decrypt(key, epoch, kMax, 60)).contains("expired"));
        QVERIFY(fernet_decrypt(key, epoch, kMax, kMax));
    }

    void key_text_form() {
        const auto key = fixed_key();
        const auto text = key.to_base64();
        QCOMPARE(text.size(), std::size_t(44));
        const auto back = FernetKey::parse(text);
        QVERIFY(back);
        QCOMPARE(back->to_base64(), text);
        // Signing key first, encryption key second, as the spec lays them out.
        QCOMPARE(int(back->signing_key()[0]), 1);
        QCOMPARE(int(back->signing_key()[15]), 15 * 7 + 1);
        QCOMPARE(int(back->encryption_key()[0]), 16 * 7 + 1);
        QCOMPARE(int(back->encryption_key()[15]), 31 * 7 + 1);

        const auto generated = FernetKey::generate();
        QVERIFY(generated);
        QVERIFY(generated->to_base64() != FernetKey::generate()->to_base64());
    }

    void key_errors_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("error");
        QTest::newRow("31 bytes") << QString::fromStdString(base64url_encode(std::string(31, 'k')))
                                  << "Fernet key: must be 32 bytes of url-safe base64 (got 31)";
        QTest::newRow("33 bytes") << QString::fromStdString(base64url_encode(std::string(33, 'k')))
                                  << "Fernet key: must be 32 bytes of url-safe base64 (got 33)";
        QTest::newRow("empty") << ""
                               << "Fernet key: must be 32 bytes of url-safe base64 (got 0)";
        QTest::newRow("standard alphabet")
            << "cw/0x689RpI+jtRR7oE8h/eQsKImvJapLeSbXpwF4e4="
            << "Fernet key: not url-safe base64 (character 2 is not in the url-safe "
               "alphabet)";
        QTest::newRow("padding missing")
            << "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4"
            << "Fernet key: not url-safe base64 (length 43 is not a multiple of 4)";
        QTest::newRow("surrounding space")
            << " cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
            << "Fernet key: not url-safe base64 (length 45 is not a multiple of 4)";
    }
    void key_errors() {
        QFETCH(QString, text);
        QFETCH(QString, error);
        const auto key = FernetKey::parse(text.toStdString());
        QVERIFY(!key);
        QCOMPARE(QString::fromStdString(key.error()), error);
    }
};

QTEST_APPLESS_MAIN(TestFernet)
#include "tst_fernet.moc"
