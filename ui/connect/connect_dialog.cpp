#include "connect/connect_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

#include "common/editor_style.h"
#include "transport/url_policy.h"

namespace {
constexpr auto kRecentKey = "connections/recent";
}

ConnectDialog::ConnectDialog(QWidget* parent)
    : QDialog(parent),
      m_url(new QComboBox(this)),
      m_key(new QLineEdit(this)),
      m_ca(new QLineEdit(this)),
      m_problem(new QLabel(this)),
      m_recent(recentConnections()) {
    setWindowTitle(tr("Connect to gateway"));
    m_url->setEditable(true);
    m_url->setObjectName(QStringLiteral("gatewayUrl"));
    m_url->lineEdit()->setPlaceholderText(QStringLiteral("https://gw-eu-1.example:8443"));
    for (const auto& recent : std::as_const(m_recent)) m_url->addItem(recent.url);
    m_url->setMinimumWidth(360);
    connect(m_url, &QComboBox::activated, this, &ConnectDialog::fillFromRecent);
    m_key->setEchoMode(QLineEdit::Password);
    m_key->setObjectName(QStringLiteral("adminKey"));
    m_key->setPlaceholderText(tr("empty: the key stored for this gateway"));
    m_ca->setObjectName(QStringLiteral("caFile"));
    m_ca->setPlaceholderText(tr("empty: the system's certificate authorities"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, &ConnectDialog::chooseCaFile);
    auto* caRow = new QHBoxLayout;
    caRow->addWidget(m_ca, 1);
    caRow->addWidget(browse);

    auto* form = new QFormLayout;
    form->addRow(tr("Gateway URL"), m_url);
    form->addRow(tr("Admin key"), m_key);
    form->addRow(tr("CA file (PEM)"), caRow);
    setUpErrorHint(m_problem, QStringLiteral("connectProblem"));

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Connect"));
    connect(buttons, &QDialogButtonBox::accepted, this, &ConnectDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ConnectDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);
    if (!m_recent.isEmpty()) fillFromRecent(0);
}

GatewayConnection ConnectDialog::connection() const {
    QString url = m_url->currentText().trimmed();
    while (url.endsWith(QLatin1Char('/'))) url.chop(1);
    return {url, m_ca->text().trimmed()};
}

QString ConnectDialog::problem() const { return m_problem->text(); }

void ConnectDialog::accept() {
    const auto chosen = connection();
    auto refuse = [this](const QString& why) { showErrorLines(m_problem, {why}); };
    if (chosen.url.isEmpty()) return refuse(tr("Give the gateway's URL."));
    if (auto allowed = sb::check_base_url(chosen.url.toStdString(), {}); !allowed)
        return refuse(tr("The URL %1").arg(QString::fromStdString(allowed.error())));
    if (!chosen.caFile.isEmpty() && !QFileInfo::exists(chosen.caFile)) return refuse(tr("No CA file at %1.").arg(chosen.caFile));
    if (const auto typed = m_key->text().toStdString(); !typed.empty()) {
        if (auto kept = rememberAdminKey(chosen.url, typed); !kept)
            return refuse(tr("The admin key could not be kept in the secret store: %1").arg(kept.error()));
        m_adminKey = typed;
    } else {
        auto stored = adminKeyFor(chosen.url);
        if (!stored) return refuse(stored.error());
        m_adminKey = std::move(*stored);
    }
    m_key->clear();
    showErrorLines(m_problem, {});
    rememberConnection(chosen);
    QDialog::accept();
}

void ConnectDialog::chooseCaFile() {
    const QString file = QFileDialog::getOpenFileName(this, tr("CA certificate"), m_ca->text(),
                                                      tr("PEM certificates (*.pem *.crt);;All files (*)"));
    if (!file.isEmpty()) m_ca->setText(file);
}

void ConnectDialog::fillFromRecent(int index) {
    if (index < 0 || index >= m_recent.size()) return;
    m_url->setCurrentIndex(index);
    m_ca->setText(m_recent[index].caFile);
}

QList<GatewayConnection> ConnectDialog::recentConnections() {
    QList<GatewayConnection> recent;
    for (const auto& entry : QSettings().value(kRecentKey).toStringList()) {
        const auto parts = entry.split(QLatin1Char('\t'));
        recent.append({parts.value(0), parts.value(1)});
    }
    return recent;
}

void ConnectDialog::rememberConnection(const GatewayConnection& connection) {
    QStringList entries{connection.url + QLatin1Char('\t') + connection.caFile};
    for (const auto& old : recentConnections())
        if (old.url != connection.url && entries.size() < kRecentLimit) entries.append(old.url + QLatin1Char('\t') + old.caFile);
    QSettings().setValue(kRecentKey, entries);
}
