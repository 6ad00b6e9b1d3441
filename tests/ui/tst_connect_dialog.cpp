// File → Connect to gateway…: a URL that may not be used, a missing key or CA file are refused
// with the reason in the dialog; a typed admin key goes into the encrypted secret store (and
// nowhere else), the connection into the recent list, and the next time the stored key is used.
#include <QComboBox>
#include <QLineEdit>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "connect/connect_dialog.h"
#include "security/secret_store.h"

class TestConnectDialog : public QObject {
    Q_OBJECT

    QTemporaryDir m_home;

    static void fill(ConnectDialog& dialog, const QString& url, const QString& key, const QString& ca = {}) {
        dialog.urlBox()->setCurrentText(url);
        dialog.keyEdit()->setText(key);
        dialog.caEdit()->setText(ca);
    }

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // QSettings in a test location
        qputenv("XDG_DATA_HOME", m_home.filePath(QStringLiteral("data")).toLocal8Bit());  // the secret store
        qputenv("XDG_CONFIG_HOME", m_home.filePath(QStringLiteral("config")).toLocal8Bit());
        qunsetenv("SWITCHBOARD_ADMIN_KEY");
        QSettings().remove(QStringLiteral("connections"));
    }

    void plainHttpOffThisMachineIsRefused() {
        ConnectDialog dialog;
        fill(dialog, QStringLiteral("http://10.1.2.3:8080"), QStringLiteral("a-key"));
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QVERIFY2(dialog.problem().contains(QStringLiteral("https")), qPrintable(dialog.problem()));
        QVERIFY(ConnectDialog::recentConnections().isEmpty());
    }

    void withoutAKeyTypedOrStoredItSaysWhereOneGoes() {
        ConnectDialog dialog;
        fill(dialog, QStringLiteral("https://gw-eu-1.example:8443"), {});
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QVERIFY2(dialog.problem().contains(QStringLiteral("admin.gw-eu-1.example-8443")), qPrintable(dialog.problem()));
    }

    void aMissingCaFileIsRefused() {
        ConnectDialog dialog;
        fill(dialog, QStringLiteral("https://gw-eu-1.example:8443"), QStringLiteral("k"), m_home.filePath("none.pem"));
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QVERIFY2(dialog.problem().contains(QStringLiteral("none.pem")), qPrintable(dialog.problem()));
    }

    void aTypedKeyIsKeptEncryptedAndUsedNextTime() {
        const QString url = QStringLiteral("https://gw-eu-1.example:8443");
        {
            ConnectDialog dialog;
            fill(dialog, url + QStringLiteral("/"), QStringLiteral("adm-typed-once"));
            dialog.accept();
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
            QCOMPARE(dialog.connection().url, url);
            QCOMPARE(dialog.adminKey(), std::string("adm-typed-once"));
            QVERIFY(dialog.keyEdit()->text().isEmpty());
        }
        auto store = sb::SecretStore::open();
        QVERIFY(store.has_value());
        const auto kept = store->get("admin.gw-eu-1.example-8443");
        QVERIFY(kept.has_value() && kept->has_value());
        QCOMPARE(**kept, std::string("adm-typed-once"));
        // Not in the settings file, in any form.
        QSettings settings;
        for (const auto& key : settings.allKeys())
            QVERIFY2(!settings.value(key).toString().contains(QStringLiteral("adm-typed-once")), qPrintable(key));

        const auto recent = ConnectDialog::recentConnections();
        QCOMPARE(recent.size(), 1);
        QCOMPARE(recent[0].url, url);

        ConnectDialog again;  // offers the recent one; no key typed: the stored one is used
        QCOMPARE(again.urlBox()->currentText(), url);
        again.accept();
        QCOMPARE(again.result(), int(QDialog::Accepted));
        QCOMPARE(again.adminKey(), std::string("adm-typed-once"));
    }

    void theRecentListKeepsTheNewestFirstAndIsBounded() {
        for (int i = 0; i < ConnectDialog::kRecentLimit + 3; ++i)
            ConnectDialog::rememberConnection({QStringLiteral("https://gw-%1.example:8443").arg(i), {}});
        ConnectDialog::rememberConnection({QStringLiteral("https://gw-2.example:8443"), QStringLiteral("/etc/ca.pem")});
        const auto recent = ConnectDialog::recentConnections();
        QCOMPARE(recent.size(), ConnectDialog::kRecentLimit);
        QCOMPARE(recent[0].url, QStringLiteral("https://gw-2.example:8443"));
        QCOMPARE(recent[0].caFile, QStringLiteral("/etc/ca.pem"));
        QCOMPARE(recent[1].url, QStringLiteral("https://gw-%1.example:8443").arg(ConnectDialog::kRecentLimit + 2));
    }
};

QTEST_MAIN(TestConnectDialog)
#include "tst_connect_dialog.moc"
