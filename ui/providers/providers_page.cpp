#include "providers/providers_page.h"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

#include "common/draft_bar.h"
#include "common/editor_style.h"
#include "engine_bridge.h"
#include "providers/provider_form.h"
#include "providers/providers_draft.h"
#include "providers/providers_saver.h"
#include "security/redaction.h"
#include "transport/http_client.h"
#include "common/qt_text.h"

namespace {


QString seconds(std::chrono::milliseconds ms) {
    return QString::number(double(ms.count()) / 1000.0, 'g', 4) + QStringLiteral(" s");
}

QString versionText(const sb::ProviderConfig& p) {
    if (p.kind == sb::ProviderKind::Anthropic)
        return QStringLiteral("anthropic-version: %1").arg(qs(p.anthropic_version));
    return p.openai_version.empty() ? QObject::tr("OpenAI-Version: not sent")
                                    : QStringLiteral("OpenAI-Version: %1").arg(qs(p.openai_version));
}

QString phase(double ms) {
    return ms > 0 ? QString::number(ms, 'f', 1) + QStringLiteral(" ms") : QStringLiteral("—");
}

QStringList lines(const std::vector<sb::ConfigError>& errors) {
    QStringList out;
    for (const auto& error : errors) out << qs(error.to_string());
    return out;
}

}  // namespace

ProvidersPage::ProvidersPage(EngineBridge& bridge, QWidget* parent)
    : QWidget(parent),
      m_bridge(bridge),
      m_draft(new ProvidersDraft(bridge.config(), bridge.api().routing(), bridge.providers(), this)) {
    m_table = new QTableWidget(0, ColumnCount, this);
    setUpEditorTable(
        m_table, QStringLiteral("providers"),
        {tr("Provider"), tr("Kind"), tr("Base URL"), tr("API version"), tr("Key from"), tr("State"),
         tr("Timeouts connect / total / idle"), tr("Concurrency min / initial / max · now")},
        ConcurrencyColumn);
    m_form = new ProviderForm(*m_draft, this);

    m_add = new QPushButton(tr("Add provider"), this);
    m_remove = new QPushButton(tr("Remove"), this);
    m_remove->setToolTip(
        tr("Remove the selected provider from the draft (refused while routing sends traffic to it)"));
    m_test = new QPushButton(tr("Test connection"), this);
    m_test->setToolTip(
        tr("One real call to the selected provider as edited — URL, version, timeouts and a key typed "
           "but not stored yet — with its default model (1 output token), outside routing, retries and the "
           "cache"));
    connect(m_table, &QTableWidget::currentCellChanged, this, [this](int row) { m_form->setRow(row); });
    connect(m_add, &QPushButton::clicked, this, &ProvidersPage::addProvider);
    connect(m_remove, &QPushButton::clicked, this, &ProvidersPage::removeProvider);
    connect(m_test, &QPushButton::clicked, this, &ProvidersPage::testConnection);

    m_result = new QLabel(tr("Select a provider and test its connection."), this);
    m_result->setObjectName(QStringLiteral("connectionResult"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_warning = new QLabel(this);
    m_warning->setObjectName(QStringLiteral("versionWarning"));
    m_warning->setWordWrap(true);
    m_warning->setStyleSheet(QStringLiteral("color: #b26a00; font-weight: bold;"));
    m_warning->hide();
    m_problems = new QLabel(this);
    setUpErrorHint(m_problems, QStringLiteral("providerProblems"));

    auto* rowButtons = new QHBoxLayout;
    rowButtons->addWidget(m_add);
    rowButtons->addWidget(m_remove);
    rowButtons->addStretch();
    rowButtons->addWidget(m_test);
    auto* box = new QGroupBox(tr("Selected provider"), this);
    auto* boxLayout = new QVBoxLayout(box);
    boxLayout->addWidget(m_form);
    boxLayout->addWidget(m_warning);
    boxLayout->addWidget(m_result);
    boxLayout->addStretch();

    auto* top = new QWidget(this);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(m_table, 1);
    topLayout->addLayout(rowButtons);
    topLayout->addWidget(m_problems);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(top);
    splitter->addWidget(box);

    auto* note = new QLabel(
        tr("Edit providers here and Apply: the engine switches at once (requests under way finish on the "
           "old settings), keys go to the encrypted secret store, the config file names them. Traffic "
           "between providers is shifted on the Routing page."),
        this);
    note->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(note);
    layout->addWidget(buildToolbar());
    layout->addWidget(splitter, 1);

    connect(m_draft, &ProvidersDraft::changed, this, &ProvidersPage::onDraftChanged);
    connect(&m_bridge, &EngineBridge::providersChanged, this,
            [this] { m_draft->setApplied(m_bridge.providers()); });

    m_liveTimer = new QTimer(this);
    m_liveTimer->setInterval(kLiveRefreshMs);
    connect(m_liveTimer, &QTimer::timeout, this, [this] {
        if (!isVisible()) return;
        // The check includes the live routing: a change there can make or break this draft.
        if (const auto routing = m_bridge.api().routing(); !(routing == m_draft->routing()))
            m_draft->setRouting(routing);
        refreshLive();
    });
    m_liveTimer->start();
    fillTable();
    if (m_table->rowCount() > 0) selectProvider(0);
    updateActions();
}

ProvidersPage::~ProvidersPage() = default;

QWidget* ProvidersPage::buildToolbar() {
    m_bar = new DraftBar(*m_draft,
                         {.applyTip = tr("Make the draft the live providers, store typed keys, save the config file"),
                          .invalidStatus = tr("Draft: fix the marked fields to apply"),
                          .cleanStatus = tr("The providers the engine runs with"),
                          .revertText = tr("Revert"),
                          .revertTip = tr("Drop the draft's edits and typed keys"),
                          .wrapStatus = true},
                         QStringLiteral("providersStatus"), this);
    connect(m_bar, &DraftBar::applyRequested, this, &ProvidersPage::apply);
    connect(m_bar, &DraftBar::revertRequested, this, &ProvidersPage::revert);
    return m_bar;
}

void ProvidersPage::setConfigFile(const QString& path) {
    m_configFile = path;
}

void ProvidersPage::onDraftChanged() {
    const int row = selectedProvider();
    fillTable();
    if (m_form->row() != row || row >= int(m_draft->draft().size()))
        m_form->setRow(selectedProvider());
    else
        m_form->showProblems();
    updateActions();
}

void ProvidersPage::fillTable() {
    const auto& sheet = m_draft->draft();
    const int selected = m_table->currentRow();
    const QSignalBlocker block(m_table);  // a rebuilt row is not a new selection
    m_table->setRowCount(int(sheet.size()));
    const auto& resolved = m_draft->resolved();
    for (int row = 0; row < int(sheet.size()); ++row) {
        const auto& entry = sheet[std::size_t(row)];
        const auto& p = entry.config;
        const bool simulated = resolved && std::size_t(row) < resolved->providers.size()
                                   ? resolved->providers[std::size_t(row)].simulated
                                   : p.simulated;
        const bool enabled = resolved && std::size_t(row) < resolved->providers.size()
                                 ? resolved->providers[std::size_t(row)].enabled
                                 : p.enabled;
        const QString state = !enabled    ? tr("disabled")
                              : simulated ? tr("enabled · demo simulator")
                                          : tr("enabled");
        const QString timeouts =
            QStringLiteral("%1 / %2 / %3")
                .arg(seconds(p.timeouts.connect), seconds(p.timeouts.total), seconds(p.timeouts.idle));
        const QString source = keySource(entry);
        const QStringList cells{qs(p.name),
                                qs(std::string(sb::to_string(p.kind))),
                                qs(p.base_url_ref),
                                versionText(p),
                                source,
                                state,
                                timeouts,
                                {}};
        for (int column = 0; column < ColumnCount; ++column) {
            auto* item = m_table->item(row, column);
            if (!item) m_table->setItem(row, column, item = new QTableWidgetItem);
            if (column != ConcurrencyColumn && item->text() != cells[column]) item->setText(cells[column]);
        }
        m_table->item(row, KeyColumn)->setToolTip(tr("The key comes from: %1").arg(source));
        const std::string prefix = "providers[" + std::to_string(row) + "]";
        const bool invalid =
            std::any_of(m_draft->errors().begin(), m_draft->errors().end(),
                        [&](const sb::ConfigError& e) { return e.path.starts_with(prefix); });
        markRowNumber(m_table, row, invalid);
    }
    if (selected >= 0 && selected < m_table->rowCount()) m_table->setCurrentCell(selected, 0);
    showErrorLines(m_problems, lines(m_draft->errors()));
    refreshLive();
}

void ProvidersPage::updateActions() {
    m_bar->setApplyBlocked(m_saving);
    m_remove->setEnabled(selectedProvider() >= 0);
    m_test->setEnabled(selectedProvider() >= 0);
}

void ProvidersPage::selectProvider(int row) {
    if (row >= 0 && row < m_table->rowCount()) m_table->setCurrentCell(row, 0);
}

int ProvidersPage::selectedProvider() const {
    const int row = m_table->currentRow();
    return row >= 0 && row < m_table->rowCount() ? row : -1;
}

int ProvidersPage::addProvider() {
    const int row = m_draft->add();
    selectProvider(row);
    return row;
}

void ProvidersPage::removeProvider() {
    const int row = selectedProvider();
    if (row < 0) return;
    m_draft->remove(row);
    selectProvider(std::min(row, m_table->rowCount() - 1));
    m_form->setRow(selectedProvider());  // the same row number may now be another provider
}

void ProvidersPage::revert() {
    m_draft->revert();
    m_form->setRow(selectedProvider());
}

bool ProvidersPage::apply() {
    if (!m_draft->canApply() || !m_draft->resolved() || m_saving) return false;
    m_saving = true;  // until the providers are applied and saved: one change at a time
    m_bridge.applyProviders(m_draft->resolved()->providers, this, [this](sb::ConsoleResult<void> applied) {
        if (!applied) {
            m_saving = false;
            m_bar->setMessage(tr("Not applied: %1").arg(lines(applied.error().fields).join(QStringLiteral("; "))));
            return updateActions();
        }
        saveApplied();
    });
    return true;
}

// Applied: the typed keys go to the secret store and the providers to the config file, off
// the GUI thread.
void ProvidersPage::saveApplied() {
    ProvidersSave save;
    save.configFile = m_configFile.toStdString();
    save.keys = m_draft->typedKeys();
    save.providers = m_draft->writtenProviders();
    save.whole = m_bridge.config();
    save.whole.routing = m_bridge.api().routing();
    m_draft->accept(m_bridge.providers(), save.keys);
    m_form->setRow(selectedProvider());
    m_bar->setMessage(tr("Applied: the next request uses these providers; saving…"));
    updateActions();
    saveProviders(std::move(save), this, [this](std::expected<QString, QString> saved) {
        m_saving = false;
        const QString outcome = saved ? tr("Applied; %1").arg(saved->isEmpty() ? tr("nothing to save") : *saved)
                                      : tr("Applied, but %1").arg(saved.error());
        m_bar->setMessage(outcome);
        updateActions();
        emit saveFinished(saved.has_value(), outcome);
    });
}

void ProvidersPage::testConnection() {
    const int row = selectedProvider();
    if (row < 0) return;
    auto provider = m_draft->resolveOne(row);
    m_warning->hide();
    if (!provider) {
        m_result->setText(tr("Fix these first:\n%1").arg(lines(provider.error()).join(QLatin1Char('\n'))));
        return;
    }
    if (provider->simulated) {
        m_result->setText(
            tr("%1 has no key: in demo mode the built-in simulator answers for it. Type its key to test the "
               "provider itself.")
                .arg(qs(provider->name)));
        return;
    }
    m_test->setEnabled(false);
    m_result->setText(tr("Testing %1 (%2)…").arg(qs(provider->name), qs(provider->default_model)));
    m_bridge.api().test_connection(*provider, EngineBridge::onThreadOf<sb::ConnectionTest>(this, [this](auto result) {
        if (result) return showResult(*result);
        m_result->setText(tr("Not tested: %1").arg(qs(result.error().message)));
        m_test->setEnabled(selectedProvider() >= 0);
    }));
}

void ProvidersPage::showResult(const sb::ConnectionTest& r) {
    QString text;
    if (r.ok())
        text =
            tr("%1 answered: OK, HTTP %2, model %3.").arg(qs(r.provider)).arg(r.http_status).arg(qs(r.model));
    else
        text = tr("%1 failed: %2 — %3%4")
                   .arg(qs(r.provider), qs(std::string(sb::to_string(r.error->cls))),
                        qs(sb::redact(r.error->message)),
                        r.http_status ? tr(" (HTTP %1)").arg(r.http_status) : QString());
    text += QLatin1Char('\n') + tr("DNS %1 · connect %2 · TLS %3 · first byte %4 · total %5")
                                    .arg(phase(r.timings.dns_ms), phase(r.timings.connect_ms),
                                         phase(r.timings.tls_ms), phase(r.timings.first_byte_ms),
                                         phase(r.timings.total_ms));
    if (!r.reported_version.empty())
        text += QLatin1Char('\n') + tr("API version reported: %1 (configured: %2)")
                                        .arg(qs(r.reported_version), r.configured_version.empty()
                                                                         ? tr("none")
                                                                         : qs(r.configured_version));
    m_result->setText(text);
    if (r.version_differs()) {
        m_warning->setText(
            tr("⚠ %1 reports API version %2, but %3 is configured: requests and answers may not have "
               "the shape Switchboard expects.")
                .arg(qs(r.provider), qs(r.reported_version), qs(r.configured_version)));
        m_warning->show();
    }
    m_test->setEnabled(selectedProvider() >= 0);
    emit testFinished(r);
}

void ProvidersPage::refreshLive() {
    const auto stats = m_bridge.api().stats();
    const auto& sheet = m_draft->draft();
    for (int row = 0; row < int(sheet.size()) && row < m_table->rowCount(); ++row) {
        const auto& p = sheet[std::size_t(row)].config;
        QString live = tr("not live yet");
        for (const auto& s : stats.providers)
            if (s.name == p.name)
                live = tr("limit %1, %2 in flight, %3 waiting")
                           .arg(s.concurrency_limit)
                           .arg(s.in_flight)
                           .arg(s.waiting);
        const QString text = QStringLiteral("%1 / %2 / %3 · %4")
                                 .arg(p.concurrency.min)
                                 .arg(p.concurrency.initial)
                                 .arg(p.concurrency.max)
                                 .arg(live);
        if (auto* item = m_table->item(row, ConcurrencyColumn); item && item->text() != text)
            item->setText(text);
    }
}

QString ProvidersPage::resultText() const {
    return m_result->text();
}
QString ProvidersPage::versionWarning() const {
    return m_warning->isVisibleTo(this) ? m_warning->text() : QString();
}
QString ProvidersPage::statusText() const {
    return m_bar->statusText();
}
QPushButton* ProvidersPage::applyButton() const {
    return m_bar->applyButton();
}
QString ProvidersPage::problemsText() const {
    return m_problems->isVisibleTo(this) ? m_problems->text() : QString();
}
