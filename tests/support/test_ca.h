#pragma once
// Certificates made at test time with the openssl command: self-signed test CAs and server
// certificates for 127.0.0.1 and localhost signed by them, as PEM files in a directory.
#include <QProcess>
#include <QString>
#include <QStringList>

#include <fstream>
#include <string>

namespace sb::test {

class TestCa {
public:
    explicit TestCa(QString dir) : m_dir(std::move(dir)) {}

    QString path(const QString& name) const { return m_dir + "/" + name; }

    // `name`-ca.pem and `name`-ca.key: a self-signed CA.
    bool make_ca(const QString& name) const {
        write_text(path(name + "-ca.cnf"),
                   "[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = ca\n"
                   "[dn]\nCN = Switchboard test CA " + name.toStdString() + "\n"
                   "[ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n"
                   "subjectKeyIdentifier = hash\n");
        return openssl({"req", "-x509", "-config", path(name + "-ca.cnf"), "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", path(name + "-ca.key"), "-out",
                        path(name + "-ca.pem"), "-days", "2"});
    }

    // `name`.pem and `name`.key: a server certificate for 127.0.0.1 and localhost, signed by `ca`.
    bool make_server_cert(const QString& name, const QString& ca, int serial) const {
        write_text(path(name + ".cnf"), "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = gateway " +
                                            name.toStdString() + "\n");
        write_text(path(name + "-ext.cnf"),
                   "basicConstraints = CA:FALSE\nkeyUsage = digitalSignature\nextendedKeyUsage = serverAuth\n"
                   "subjectAltName = IP:127.0.0.1, DNS:localhost\n");
        return openssl({"req", "-new", "-config", path(name + ".cnf"), "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", path(name + ".key"), "-out",
                        path(name + ".csr")}) &&
               openssl({"x509", "-req", "-in", path(name + ".csr"), "-CA", path(ca + "-ca.pem"), "-CAkey",
                        path(ca + "-ca.key"), "-set_serial", QString::number(serial), "-days", "2", "-extfile",
                        path(name + "-ext.cnf"), "-out", path(name + ".pem")});
    }

private:
    static void write_text(const QString& file, const std::string& text) {
        std::ofstream(file.toStdString(), std::ios::binary | std::ios::trunc) << text;
    }

    static bool openssl(const QStringList& arguments) {
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start("openssl", arguments);
        if (!process.waitForFinished(30000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
            qWarning("openssl %s: %s", qPrintable(arguments.join(' ')), process.readAll().constData());
            return false;
        }
        return true;
    }

    QString m_dir;
};

}  // namespace sb::test
