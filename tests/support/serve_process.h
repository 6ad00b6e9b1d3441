#pragma once
// `switchboard-gateway serve` as a child process, as operators run it: its own config and
// data directories, the admin key in its environment, the demo upstream, a port it picked
// (or the one it had before a restart). Killed, not asked, when the test says so.
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>
#include <string>

namespace sb::test {

class ServeProcess {
public:
    // `dir` holds the config, data and database; it must outlive the process.
    ServeProcess(const QTemporaryDir& dir, QString admin_key, QStringList extra = {})
        : m_dir(dir.path()), m_admin_key(std::move(admin_key)), m_extra(std::move(extra)) {}
    ~ServeProcess() { kill(); }

    // Before start(): the name consoles and the fleet know it by (default "gw-test"), and
    // whether /v1 needs gateway keys (default: --no-auth).
    void set_name(QString name) { m_name = std::move(name); }
    void require_keys() { m_no_auth = false; }

    // Starts the gateway (on `port`, 0 = any) and waits for its "listening on" line.
    // Returns an error text, empty on success.
    QString start(int port = 0) {
        m_process = std::make_unique<QProcess>();
        auto environment = QProcessEnvironment::systemEnvironment();
        for (const char* name : {"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "SWITCHBOARD_LOCAL_URL"}) environment.remove(name);
        environment.insert("XDG_CONFIG_HOME", m_dir + "/config");
        environment.insert("XDG_DATA_HOME", m_dir + "/data");
        environment.insert("SWITCHBOARD_ADMIN_KEY", m_admin_key);
        m_process->setProcessEnvironment(environment);
        QStringList arguments = {"serve", "--demo", "on", "--name", m_name, "--listen",
                                 QString("127.0.0.1:%1").arg(port), "--database", m_dir + "/serve.db",
                                 "--demo-profile", SB_RESOURCES_DIR "/simulator/zero.json"};
        if (m_no_auth) arguments += "--no-auth";
        arguments += m_extra;
        m_process->start(SB_GATEWAY_BIN, arguments);
        if (!m_process->waitForStarted(5000)) return "serve did not start";
        QElapsedTimer waited;
        waited.start();
        while (!m_process->canReadLine() && waited.elapsed() < 20000) {
            if (m_process->state() != QProcess::Running)
                return "serve exited: " + QString::fromUtf8(m_process->readAllStandardError());
            m_process->waitForReadyRead(100);
        }
        const QString banner = QString::fromUtf8(m_process->readLine());
        const auto match = QRegularExpression("listening on (https?)://127\\.0\\.0\\.1:(\\d+)").match(banner);
        if (!match.hasMatch()) return "no listening line: " + banner;
        m_port = match.captured(2).toInt();
        m_base = match.captured(1).toStdString() + "://127.0.0.1:" + std::to_string(m_port);
        return {};
    }

    void kill() {
        if (!m_process) return;
        m_process->kill();  // SIGKILL: as a crash or an OOM kill ends it
        m_process->waitForFinished(5000);
        m_process.reset();
    }

    // What it said on stderr so far, for a failure's message.
    QString errors() { return m_process ? QString::fromUtf8(m_process->readAllStandardError()) : QString(); }

    int port() const { return m_port; }
    qint64 pid() const { return m_process ? m_process->processId() : 0; }  // 0 when not running
    const std::string& base() const { return m_base; }  // "http://127.0.0.1:PORT"

private:
    QString m_dir;
    QString m_admin_key;
    QStringList m_extra;
    QString m_name = "gw-test";
    bool m_no_auth = true;
    std::unique_ptr<QProcess> m_process;
    int m_port = 0;
    std::string m_base;
};

}  // namespace sb::test
