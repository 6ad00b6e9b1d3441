// The Fernet key file: created 0600 (directories 0700), loaded back unchanged, refused with
// the path and the mode when group or others can get at it, refused when it holds anything
// but a key — and never replaced, never quoted in an error.
#include <sys/stat.h>

#include <QtTest>
#include <filesystem>
#include <fstream>

#include "security/key_file.h"

using namespace sb;
namespace fs = std::filesystem;

namespace {

unsigned mode_of(const fs::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return 0;
    return info.st_mode & 07777;
}

void write_file(const fs::path& path, const std::string& text, fs::perms perms) {
    std::ofstream(path, std::ios::binary) << text;
    fs::permissions(path, perms);
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

constexpr auto kOwnerOnly = fs::perms::owner_read | fs::perms::owner_write;

}  // namespace

class TestKeyFile : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { ::umask(022); }  // the usual default; 0600 must not depend on it

    void creates_0600_and_reloads_the_same_key() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const fs::path path = dir.filePath("secret.key").toStdString();

        const auto created = load_or_create_key_file(path);
        QVERIFY2(created, created ? "" : created.error().c_str());
        QVERIFY(created->created);
        QCOMPARE(mode_of(path), 0600u);
        QCOMPARE(read_file(path), created->key.to_base64() + "\n");

        const auto again = load_or_create_key_file(path);
        QVERIFY2(again, again ? "" : again.error().c_str());
        QVERIFY(!again->created);
        QCOMPARE(again->key.to_base64(), created->key.to_base64());
        const auto loaded = load_key_file(path);
        QVERIFY(loaded);
        QCOMPARE(loaded->to_base64(), created->key.to_base64());
        QCOMPARE(mode_of(path), 0600u);
    }

    void creates_missing_directories_0700() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const fs::path outer = fs::path(dir.path().toStdString()) / "config";
        const fs::path path = outer / "switchboard" / "secret.key";

        const auto created = load_or_create_key_file(path);
        QVERIFY2(created, created ? "" : created.error().c_str());
        QCOMPARE(mode_of(outer), 0700u);
        QCOMPARE(mode_of(outer / "switchboard"), 0700u);
        QCOMPARE(mode_of(path), 0600u);
    }

    void refuses_access_by_others_data() {
        QTest::addColumn<int>("mode");
        QTest::addColumn<QString>("problem");
        QTest::newRow("0644") << 0644 << "readable by others (mode 0644)";
        QTest::newRow("0604") << 0604 << "readable by others (mode 0604)";
        QTest::newRow("0640") << 0640 << "readable by group (mode 0640)";
        QTest::newRow("0620") << 0620 << "writable by group or others (mode 0620)";
        QTest::newRow("0602") << 0602 << "writable by group or others (mode 0602)";
    }
    void refuses_access_by_others() {
        QFETCH(int, mode);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const fs::path path = dir.filePath("secret.key").toStdString();
        const auto created = load_or_create_key_file(path);
        QVERIFY(created);
        const std::string key_text = created->key.to_base64();
        fs::permissions(path, static_cast<fs::perms>(mode));

        const QString expected = QString::fromStdString(path.string()) + ": " + problem + "; chmod 600 it";
        for (const auto& error : {load_or_create_key_file(path).error(), load_key_file(path).error()}) {
            QCOMPARE(QString::fromStdString(error), expected);
            QVERIFY(error.find(key_text) == std::string::npos);
        }
        QCOMPARE(read_file(path), key_text + "\n");  // left alone
    }

    void refuses_malformed_content_data() {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("problem");
        QTest::newRow("garbage") << QByteArray("hello world\n")
                                 << "Fernet key: not url-safe base64 (length 11 is not a multiple of 4)";
        QTest::newRow("not base64")
            << QByteArray("this is not base64 at all!!!")
            << "Fernet key: not url-safe base64 (character 4 is not in the url-safe alphabet)";
        QTest::newRow("short key") << QByteArray("cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF\n")
                                   << "Fernet key: must be 32 bytes of url-safe base64 (got 30)";
        QTest::newRow("empty") << QByteArray()
                               << "empty; expected a Fernet key (44 characters of url-safe base64)";
        QTest::newRow("blank lines") << QByteArray("\n\n  \n")
                                     << "empty; expected a Fernet key (44 characters of url-safe base64)";
        QTest::newRow("binary") << QByteArray(2000, '\x01') << "not a Fernet key file (2000 bytes)";
    }
    void refuses_malformed_content() {
        QFETCH(QByteArray, content);
        QFETCH(QString, problem);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const fs::path path = dir.filePath("secret.key").toStdString();
        write_file(path, content.toStdString(), kOwnerOnly);

        const auto result = load_or_create_key_file(path);
        QVERIFY(!result);
        QCOMPARE(QString::fromStdString(result.error()),
                 QString::fromStdString(path.string()) + ": " + problem);
        QCOMPARE(QByteArray::fromStdString(read_file(path)), content);  // never replaced
    }

    void accepts_key_without_newline_or_with_crlf() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string key = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
        for (const std::string& text : {key, key + "\r\n", "  " + key + "\n\n"}) {
            const fs::path path = dir.filePath("secret.key").toStdString();
            fs::remove(path);
            write_file(path, text, kOwnerOnly);
            const auto loaded = load_key_file(path);
            QVERIFY2(loaded, loaded ? "" : loaded.error().c_str());
            QCOMPARE(loaded->to_base64(), key);
        }
    }

    void missing_file_named_in_error() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const fs::path path = dir.filePath("absent.key").toStdString();
        const auto result = load_key_file(path);
        QVERIFY(!result);
        QCOMPARE(QString::fromStdString(result.error()),
                 QString::fromStdString(path.string()) + ": cannot open: No such file or directory");
        QVERIFY(!fs::exists(path));
    }

    void refuses_a_directory() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const fs::path path = dir.filePath("secret.key").toStdString();
        fs::create_directory(path);
        fs::permissions(path, fs::perms::owner_all);
        const auto result = load_or_create_key_file(path);
        QVERIFY(!result);
        QCOMPARE(QString::fromStdString(result.error()),
                 QString::fromStdString(path.string()) + ": not a regular file");
    }
};

QTEST_APPLESS_MAIN(TestKeyFile)
#include "tst_key_file.moc"
