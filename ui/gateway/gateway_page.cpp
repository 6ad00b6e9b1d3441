#include "gateway/gateway_page.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "common/metric_format.h"
#include "engine_bridge.h"
#include "gateway/embedded_gateway.h"
#include "gateway/gateway_key_store.h"

namespace {

QString when(std::int64_t unixMs) {
    return QDateTime::fromMSecsSinceEpoch(unixMs).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QString limit(std::int64_t value) { return value > 0 ? QString::number(value) : QStringLiteral("—"); }

}  // namespace

GatewayPage::GatewayPage(EngineBridge& bridge, EmbeddedGateway* gateway, const QString& unavailableReason, QWidget* parent)
    : QWidget(parent), m_bridge(bridge), m_gateway(gateway), m_timer(new QTimer(this)) {
    m_confirm = [this](const QString& question) {
        return QMessageBox::question(this, tr("Revoke gateway key"), question) == QMessageBox::Yes;
    };
    auto* layout = new QVBoxLayout(this);
    m_endpoint = new QLabel(this);
    m_endpoint->setObjectName(QStringLiteral("endpoint"));
    m_endpoint->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_endpoint->setWordWrap(true);
    layout->addWidget(m_endpoint);

    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setHorizontalHeaderLabels({tr("Name"), tr("Id"), tr("Key"), tr("Created"), tr("Status"), tr("Requests/min"),
                                        tr("Tokens/min"), tr("Monthly budget"), tr("Spent this month"), tr("Last used")});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    layout->addWidget(m_table, 1);

    auto* form = new QHBoxLayout;
    m_name = new QLineEdit(this);
    m_name->setPlaceholderText(tr("Name, e.g. checkout-service"));
    m_rpm = new QSpinBox(this);
    m_rpm->setRange(0, 1'000'000);
    m_rpm->setSpecialValueText(tr("no limit"));
    m_rpm->setPrefix(tr("rpm "));
    m_tpm = new QSpinBox(this);
    m_tpm->setRange(0, 100'000'000);
    m_tpm->setSingleStep(1000);
    m_tpm->setSpecialValueText(tr("no limit"));
    m_tpm->setPrefix(tr("tpm "));
    m_budget = new QDoubleSpinBox(this);
    m_budget->setRange(0, 1e9);
    m_budget->setDecimals(2);
    m_budget->setPrefix(QStringLiteral("$"));
    m_budget->setSpecialValueText(tr("no budget"));
    m_create = new QPushButton(tr("Create key"), this);
    m_setLimits = new QPushButton(tr("Set limits of selected"), this);
    m_setLimits->setToolTip(tr("Give the selected key the requests/min, tokens/min and budget set here; a running "
                               "gateway applies them within seconds"));
    m_revoke = new QPushButton(tr("Revoke…"), this);
    for (QWidget* w : {static_cast<QWidget*>(m_name), static_cast<QWidget*>(m_rpm), static_cast<QWidget*>(m_tpm),
                       static_cast<QWidget*>(m_budget), static_cast<QWidget*>(m_create)})
        form->addWidget(w);
    form->addWidget(m_setLimits);
    form->addStretch();
    form->addWidget(m_revoke);
    layout->addLayout(form);

    auto* secretRow = new QHBoxLayout;
    m_secret = new QLineEdit(this);
    m_secret->setReadOnly(true);
    m_secret->setPlaceholderText(tr("A new key is shown here once: copy it then, it is stored only as a hash"));
    m_copy = new QPushButton(tr("Copy"), this);
    m_copy->setEnabled(false);
    secretRow->addWidget(m_secret, 1);
    secretRow->addWidget(m_copy);
    layout->addLayout(secretRow);
    m_status = new QLabel(this);
    layout->addWidget(m_status);

    connect(m_create, &QPushButton::clicked, this,
            [this] { createKey(m_name->text(), m_rpm->value(), m_tpm->value(), m_budget->value()); });
    connect(m_revoke, &QPushButton::clicked, this, &GatewayPage::revokeSelected);
    connect(m_setLimits, &QPushButton::clicked, this,
            [this] { setLimitsOfSelected(m_rpm->value(), m_tpm->value(), m_budget->value()); });
    connect(m_copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(m_secret->text()); });
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        m_revoke->setEnabled(!m_table->selectedItems().isEmpty());
        m_setLimits->setEnabled(!m_table->selectedItems().isEmpty());
    });
    connect(m_timer, &QTimer::timeout, this, &GatewayPage::refresh);
    m_timer->setInterval(kRefreshMs);

    if (!m_gateway) {
        m_endpoint->setText(tr("Gateway keys are unavailable: %1").arg(unavailableReason));
        for (QWidget* w : {static_cast<QWidget*>(m_table), static_cast<QWidget*>(m_name), static_cast<QWidget*>(m_create)})
            w->setEnabled(false);
    } else if (m_gateway->serving()) {
        m_endpoint->setText(tr("Serving the OpenAI-compatible endpoint at %1 — clients change only their base URL and "
                               "use a key from this list.")
                                .arg(m_gateway->url()));
    } else {
        m_endpoint->setText(tr("The endpoint is off in this console: start it with --serve 127.0.0.1:8080, or run "
                               "`switchboard-gateway serve` on this history database. Keys made here work for both."));
    }
    m_revoke->setEnabled(false);
    m_setLimits->setEnabled(false);
    refresh();
}

void GatewayPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refresh();
    m_timer->start();
}

void GatewayPage::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    m_timer->stop();
}

void GatewayPage::showStatus(const QString& text) { m_status->setText(text); }
QString GatewayPage::endpointText() const { return m_endpoint->text(); }
QString GatewayPage::statusText() const { return m_status->text(); }
QString GatewayPage::newSecret() const { return m_secret->text(); }

bool GatewayPage::createKey(const QString& name, int rpm, int tpm, double monthlyBudgetUsd) {
    if (!m_gateway) return false;
    if (name.trimmed().isEmpty()) {
        showStatus(tr("Give the key a name (who uses it), e.g. checkout-service."));
        return false;
    }
    const QString who = name.trimmed();
    return keyOperation<sb::NewGatewayKey>(
        [&](auto reply) { m_bridge.api().create_key(who.toStdString(), sb::GatewayKeyLimits{rpm, tpm, monthlyBudgetUsd}, reply); },
        [this, who](sb::ConsoleResult<sb::NewGatewayKey> created) {
            if (!created) {
                showStatus(tr("The key was not created: %1").arg(QString::fromStdString(created.error().message)));
                return false;
            }
            m_secret->setText(QString::fromStdString(created->secret));
            m_copy->setEnabled(true);
            m_name->clear();
            showStatus(tr("Key %1 created for %2. Copy it now: it will not be shown again.")
                           .arg(QString::fromStdString(created->info.id), who));
            return true;
        });
}

template <class T, class Call>
bool GatewayPage::keyOperation(Call call, std::function<bool(sb::ConsoleResult<T>)> done) {
    auto happened = std::make_shared<std::optional<bool>>();
    call(EngineBridge::onThreadOf<T>(this, [this, happened, done = std::move(done)](sb::ConsoleResult<T> outcome) {
        *happened = done(std::move(outcome));
        if (!**happened) return;
        refresh();
        emit keysChanged();
    }));
    return happened->value_or(true);
}

QString GatewayPage::selectedColumn(Column column) const {
    const auto rows = m_table->selectionModel() ? m_table->selectionModel()->selectedRows() : QModelIndexList{};
    if (rows.isEmpty() || !m_table->item(rows.first().row(), column)) return {};
    return m_table->item(rows.first().row(), column)->text();
}

bool GatewayPage::setLimitsOfSelected(int rpm, int tpm, double monthlyBudgetUsd) {
    const QString id = selectedColumn(IdColumn);
    if (!m_gateway || id.isEmpty()) return false;
    const QString name = selectedColumn(NameColumn);
    return keyOperation<sb::GatewayKeyInfo>(
        [&](auto reply) {
            m_bridge.api().change_key_limits(id.toStdString(), {.rpm = rpm, .tpm = tpm, .monthly_budget_usd = monthlyBudgetUsd},
                                             reply);
        },
        [=, this](sb::ConsoleResult<sb::GatewayKeyInfo> changed) {
            if (!changed) {
                showStatus(tr("The limits of %1 were not changed: %2").arg(name, QString::fromStdString(changed.error().message)));
                return false;
            }
            showStatus(tr("Key %1 (%2) now has %3 requests/min, %4 tokens/min and a budget of %5 a month.")
                           .arg(id, name, limit(rpm), limit(tpm),
                                monthlyBudgetUsd > 0 ? metric_format::usd(monthlyBudgetUsd, QLocale()) : QStringLiteral("no")));
            return true;
        });
}

bool GatewayPage::revokeSelected() {
    const QString id = selectedColumn(IdColumn);
    if (!m_gateway || id.isEmpty()) return false;
    const QString name = selectedColumn(NameColumn);
    if (!m_confirm(tr("Revoke key %1 (%2)? Requests that use it will get 401 from now on.").arg(id, name))) return false;
    return keyOperation<sb::GatewayKeyInfo>([&](auto reply) { m_bridge.api().revoke_key(id.toStdString(), reply); },
                                            [=, this](sb::ConsoleResult<sb::GatewayKeyInfo> revoked) {
                                                if (!revoked) {
                                                    showStatus(tr("The key was not revoked: %1")
                                                                   .arg(QString::fromStdString(revoked.error().message)));
                                                    return false;
                                                }
                                                m_secret->clear();
                                                m_copy->setEnabled(false);
                                                showStatus(tr("Key %1 (%2) revoked.").arg(id, name));
                                                return true;
                                            });
}

void GatewayPage::refresh() {
    if (!m_gateway) return;
    m_bridge.api().list_keys(EngineBridge::onThreadOf<std::vector<sb::GatewayKeyInfo>>(this, [this](auto keys) {
        if (!keys) return showStatus(tr("Could not read the gateway keys: %1").arg(QString::fromStdString(keys.error().message)));
        showKeys(*keys);
    }));
}

void GatewayPage::showKeys(const std::vector<sb::GatewayKeyInfo>& keys) {
    const QString selected = m_table->currentRow() >= 0 && m_table->item(m_table->currentRow(), IdColumn)
                                 ? m_table->item(m_table->currentRow(), IdColumn)->text()
                                 : QString();
    const QLocale locale;
    const auto nowMs = QDateTime::currentMSecsSinceEpoch();
    m_table->setRowCount(int(keys.size()));
    for (int row = 0; row < int(keys.size()); ++row) {
        const auto& key = keys[std::size_t(row)];
        const QStringList cells{
            QString::fromStdString(key.name),
            QString::fromStdString(key.id),
            QString::fromStdString(key.prefix) + QStringLiteral("…"),
            when(key.created_ms),
            key.revoked() ? tr("revoked %1").arg(when(*key.revoked_ms)) : tr("active"),
            limit(key.limits.rpm),
            limit(key.limits.tpm),
            key.limits.monthly_budget_usd > 0 ? metric_format::usd(key.limits.monthly_budget_usd, locale) : QStringLiteral("—"),
            metric_format::usd(key.spent_in_month_of(nowMs), locale),
            key.last_used_ms ? when(*key.last_used_ms) : tr("never"),
        };
        for (int column = 0; column < ColumnCount; ++column) {
            auto* item = m_table->item(row, column);
            if (!item) m_table->setItem(row, column, item = new QTableWidgetItem);
            if (item->text() != cells[column]) item->setText(cells[column]);
        }
        if (QString::fromStdString(key.id) == selected) m_table->selectRow(row);
    }
}
