#include "providers/providers_page.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "engine_bridge.h"
#include "security/redaction.h"
#include "transport/http_client.h"
#include "qt_text.h"

namespace {


QString seconds(std::chrono::milliseconds ms) { return QString::number(double(ms.count()) / 1000.0, 'g', 4) + QStringLiteral(" s"); }

QString kindName(sb::ProviderKind kind) { return qs(std::string(sb::to_string(kind))); }

QString versionText(const sb::ProviderConfig& p) {
    if (p.kind == sb::ProviderKind::Anthropic) return QStringLiteral("anthropic-version: %1").arg(qs(p.anthropic_version));
    return p.openai_version.empty() ? QObject::tr("OpenAI-Version: not sent")
                                    : QStringLiteral("OpenAI-Version: %1").arg(qs(p.openai_version));
}

// Where the key comes from, never the key.
QString keySource(const sb::ProviderConfig& p) {
    if (p.api_key_ref.empty()) return QObject::tr("no key");
    return QObject::tr("from %1").arg(qs(p.api_key_ref));
}

QString phase(double ms) { return ms > 0 ? QString::number(ms, 'f', 1) + QStringLiteral(" ms") : QStringLiteral("—"); }

}  // namespace

ProvidersPage::ProvidersPage(EngineBridge& bridge, QWidget* parent) : QWidget(parent), m_bridge(bridge) {
    m_confirm = [this](const QString& question) {
        return QMessageBox::question(this, tr("Show an API key"), question) == QMessageBox::Yes;
    };
    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setObjectName(QStringLiteral("providers"));
    m_table->setHorizontalHeaderLabels({tr("Provider"), tr("Kind"), tr("Base URL"), tr("API version"), tr("Key"), tr("State"),
                                        tr("Timeouts connect / total / idle"), tr("Concurrency min / initial / max · now")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);  // the URL keeps its width; the live figures take the rest
    buildTable();

    m_key = new QLabel(this);
    m_key->setObjectName(QStringLiteral("providerKey"));
    m_key->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_test = new QPushButton(tr("Test connection"), this);
    m_test->setToolTip(tr("One real call to this provider's default model (1 output token), outside routing, retries and the cache"));
    m_reveal = new QPushButton(tr("Reveal key…"), this);
    m_reveal->setToolTip(tr("Show the key in full for a few seconds (asks first)"));
    connect(m_table, &QTableWidget::currentCellChanged, this, [this] { showSelection(); });
    connect(m_test, &QPushButton::clicked, this, &ProvidersPage::testConnection);
    connect(m_reveal, &QPushButton::clicked, this, &ProvidersPage::revealKey);
    m_result = new QLabel(tr("Select a provider and test its connection."), this);
    m_result->setObjectName(QStringLiteral("connectionResult"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_warning = new QLabel(this);
    m_warning->setObjectName(QStringLiteral("versionWarning"));
    m_warning->setWordWrap(true);
    m_warning->setStyleSheet(QStringLiteral("color: #b26a00; font-weight: bold;"));
    m_warning->hide();

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_test);
    buttons->addWidget(m_reveal);
    buttons->addWidget(m_key, 1);
    auto* box = new QGroupBox(tr("Selected provider"), this);
    auto* boxLayout = new QVBoxLayout(box);
    boxLayout->addLayout(buttons);
    boxLayout->addWidget(m_warning);
    boxLayout->addWidget(m_result);
    boxLayout->addStretch();

    auto* layout = new QVBoxLayout(this);
    auto* note = new QLabel(tr("Provider settings live in the config file (providers[]); traffic between them is "
                               "shifted on the Routing page."),
                            this);
    note->setWordWrap(true);
    layout->addWidget(note);
    layout->addWidget(m_table, 2);
    layout->addWidget(box, 1);

    m_maskTimer = new QTimer(this);
    m_maskTimer->setSingleShot(true);
    connect(m_maskTimer, &QTimer::timeout, this, [this] {
        m_revealedRow = -1;
        showSelection();
    });
    m_liveTimer = new QTimer(this);
    m_liveTimer->setInterval(kLiveRefreshMs);
    connect(m_liveTimer, &QTimer::timeout, this, [this] {
        if (isVisible()) refreshLive();
    });
    m_liveTimer->start();
    if (m_table->rowCount() > 0) selectProvider(0);
    refreshLive();
}

ProvidersPage::~ProvidersPage() {
    m_client.reset();  // first: its last callbacks queue calls to this page, which are then dropped
}

void ProvidersPage::buildTable() {
    const auto& providers = m_bridge.config().providers;
    m_table->setRowCount(int(providers.size()));
    for (int row = 0; row < int(providers.size()); ++row) {
        const auto& p = providers[std::size_t(row)];
        const QString state = !p.enabled ? tr("disabled") : p.simulated ? tr("enabled · demo simulator") : tr("enabled");
        const QString timeouts = QStringLiteral("%1 / %2 / %3").arg(seconds(p.timeouts.connect), seconds(p.timeouts.total),
                                                                    seconds(p.timeouts.idle));
        const QStringList cells{qs(p.name), kindName(p.kind), qs(p.base_url), versionText(p), keyShown(row), state, timeouts, {}};
        for (int column = 0; column < ColumnCount; ++column) m_table->setItem(row, column, new QTableWidgetItem(cells[column]));
        m_table->item(row, KeyColumn)->setToolTip(keySource(p));
    }
}

QString ProvidersPage::keyShown(int row) const {
    const auto& p = m_bridge.config().providers[std::size_t(row)];
    if (p.api_key.empty()) return keySource(p);
    const QString key = row == m_revealedRow ? qs(p.api_key) : qs(sb::mask_key(p.api_key));
    return QStringLiteral("%1 (%2)").arg(key, keySource(p));
}

void ProvidersPage::selectProvider(int row) {
    if (row >= 0 && row < m_table->rowCount()) m_table->selectRow(row);
}

int ProvidersPage::selectedProvider() const {
    const int row = m_table->currentRow();
    return row >= 0 && row < m_table->rowCount() ? row : -1;
}

void ProvidersPage::showSelection() {
    const int row = selectedProvider();
    if (m_revealedRow >= 0 && row != m_revealedRow) m_revealedRow = -1;  // a revealed key does not follow the selection
    for (int r = 0; r < m_table->rowCount(); ++r) m_table->item(r, KeyColumn)->setText(keyShown(r));
    m_test->setEnabled(row >= 0);
    m_reveal->setEnabled(row >= 0 && !m_bridge.config().providers[std::size_t(row)].api_key.empty());
    m_key->setText(row >= 0 ? tr("Key: %1").arg(keyShown(row)) : QString());
}

bool ProvidersPage::revealKey() {
    const int row = selectedProvider();
    if (row < 0) return false;
    const auto& p = m_bridge.config().providers[std::size_t(row)];
    if (p.api_key.empty()) return false;
    if (m_confirm && !m_confirm(tr("Show the API key of %1 on screen for %2 seconds? Anyone who can see the screen can read it.")
                                    .arg(qs(p.name))
                                    .arg(m_revealSeconds)))
        return false;
    m_revealedRow = row;
    showSelection();
    m_maskTimer->start(m_revealSeconds * 1000);
    return true;
}

void ProvidersPage::testConnection() {
    const int row = selectedProvider();
    if (row < 0) return;
    if (!m_client) m_client = std::make_unique<sb::HttpClient>();
    const auto& provider = m_bridge.config().providers[std::size_t(row)];
    m_test->setEnabled(false);
    m_warning->hide();
    m_result->setText(tr("Testing %1 (%2)…").arg(qs(provider.name), qs(provider.default_model)));
    sb::test_connection(*m_client, provider, [this](sb::ConnectionTest result) {
        QMetaObject::invokeMethod(this, [this, result = std::move(result)] { showResult(result); }, Qt::QueuedConnection);
    });
}

void ProvidersPage::showResult(const sb::ConnectionTest& r) {
    QString text;
    if (r.ok())
        text = tr("%1 answered: OK, HTTP %2, model %3.").arg(qs(r.provider)).arg(r.http_status).arg(qs(r.model));
    else
        text = tr("%1 failed: %2 — %3%4")
                   .arg(qs(r.provider), qs(std::string(sb::to_string(r.error->cls))), qs(sb::redact(r.error->message)),
                        r.http_status ? tr(" (HTTP %1)").arg(r.http_status) : QString());
    text += QLatin1Char('\n') + tr("DNS %1 · connect %2 · TLS %3 · first byte %4 · total %5")
                                    .arg(phase(r.timings.dns_ms), phase(r.timings.connect_ms), phase(r.timings.tls_ms),
                                         phase(r.timings.first_byte_ms), phase(r.timings.total_ms));
    if (!r.reported_version.empty())
        text += QLatin1Char('\n') + tr("API version reported: %1 (configured: %2)")
                                        .arg(qs(r.reported_version),
                                             r.configured_version.empty() ? tr("none") : qs(r.configured_version));
    m_result->setText(text);
    if (r.version_differs()) {
        m_warning->setText(tr("⚠ %1 reports API version %2, but %3 is configured: requests and answers may not have "
                              "the shape Switchboard expects.")
                               .arg(qs(r.provider), qs(r.reported_version), qs(r.configured_version)));
        m_warning->show();
    }
    m_test->setEnabled(selectedProvider() >= 0);
    emit testFinished(r);
}

void ProvidersPage::refreshLive() {
    const auto stats = m_bridge.engine().stats();
    const auto& providers = m_bridge.config().providers;
    for (int row = 0; row < int(providers.size()); ++row) {
        const auto& p = providers[std::size_t(row)];
        QString live;
        for (const auto& s : stats.providers)
            if (s.name == p.name)
                live = tr("limit %1, %2 in flight, %3 waiting").arg(s.concurrency_limit).arg(s.in_flight).arg(s.waiting);
        const QString text = QStringLiteral("%1 / %2 / %3 · %4")
                                 .arg(p.concurrency.min)
                                 .arg(p.concurrency.initial)
                                 .arg(p.concurrency.max)
                                 .arg(live);
        if (auto* item = m_table->item(row, ConcurrencyColumn); item->text() != text) item->setText(text);
    }
}

QString ProvidersPage::resultText() const { return m_result->text(); }
QString ProvidersPage::versionWarning() const { return m_warning->isVisibleTo(this) ? m_warning->text() : QString(); }
QString ProvidersPage::keyText() const { return m_key->text(); }
