// SHA-256 against the FIPS 180-2 examples, and from many threads at once (each thread keeps
// its own OpenSSL context, so they must not disturb each other); bytes as hex.
#include <QTest>
#include <string>
#include <thread>
#include <vector>

#include "model/digest.h"

class TestDigest : public QObject {
    Q_OBJECT
private slots:
    void knownVectors_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("empty") << QByteArray()
                               << "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        QTest::newRow("abc") << QByteArray("abc")
                             << "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        QTest::newRow("two blocks") << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                                    << "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
        QTest::newRow("a million a") << QByteArray(1'000'000, 'a')
                                     << "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
    }
    void knownVectors() {
        QFETCH(QByteArray, input);
        QFETCH(QString, expected);
        const std::string_view data(input.constData(), std::size_t(input.size()));
        QCOMPARE(QString::fromStdString(sb::sha256_hex(data)), expected);
        // The raw digest is the same bytes, and a second call on the same thread's context
        // starts from scratch.
        const sb::Sha256Digest raw = sb::sha256(data);
        QCOMPARE(QByteArray(reinterpret_cast<const char*>(raw.data()), raw.size()).toHex(), expected.toLatin1());
        QCOMPARE(QString::fromStdString(sb::sha256_hex(data)), expected);
    }

    void hexHasTwoLowerCaseDigitsPerByte() {
        const std::vector<unsigned char> bytes = {0x00, 0x0f, 0xa5, 0xf0, 0xff};
        QCOMPARE(QString::fromStdString(sb::to_hex(bytes)), QString("000fa5f0ff"));
        QCOMPARE(QString::fromStdString(sb::to_hex({})), QString());
    }

    void threadsHashIndependently() {
        constexpr int kThreads = 8;
        constexpr int kRounds = 2'000;
        const std::string abc_hex = sb::sha256_hex("abc");
        const std::string long_hex = sb::sha256_hex(std::string(10'000, 'z'));
        std::vector<int> mismatches(kThreads, 0);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t)
            threads.emplace_back([&, t] {
                const std::string long_text(10'000, 'z');
                for (int i = 0; i < kRounds; ++i) {
                    // Alternating inputs: a context left half-used by one call would show here.
                    if (sb::sha256_hex(i % 2 ? std::string_view("abc") : std::string_view(long_text)) !=
                        (i % 2 ? abc_hex : long_hex))
                        ++mismatches[std::size_t(t)];
                }
            });
        for (auto& thread : threads) thread.join();
        for (int t = 0; t < kThreads; ++t) QCOMPARE(mismatches[std::size_t(t)], 0);
        QCOMPARE(abc_hex, std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }
};

QTEST_APPLESS_MAIN(TestDigest)
#include "tst_digest.moc"
