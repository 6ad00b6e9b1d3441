// The Instances page: the fleet's gateways, from the registry.
#include "instances/instances_page.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "common/metric_format.h"
#include "engine_bridge.h"
#include "model/clock.h"

namespace {

QString ago(std::int64_t ms) {
    if (ms < 1500) return QObject::tr("just now");
    if (ms < 120'000) return QObject::tr("%1 s ago").arg(ms / 1000);
    return QObject::tr("%1 min ago").arg(ms / 60'000);
}

}  // namespace

InstancesPage::InstancesPage(EngineBridge& bridge, QWidget* parent)
    : QWidget(parent), m_bridge(bridge), m_summary(new QLabel(this)), m_table(new QTableWidget(0, ColumnCount, this)),
      m_open(new QPushButton(tr("Open"), this)), m_timer(new QTimer(this)) {
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_table->setHorizontalHeaderLabels({tr("Instance"), tr("Health"), tr("Requests"), tr("p99"), tr("Errors"),
                                        tr("Version"), tr("Last heartbeat"), tr("URL")});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_open->setToolTip(tr("Attach the console to the selected instance"));
    m_open->setEnabled(false);

    auto* buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_open);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);
    layout->addLayout(buttons);

    connect(m_table, &QTableWidget::itemSelectionChanged, this,
            [this] { m_open->setEnabled(!m_table->selectedItems().isEmpty()); });
    connect(m_open, &QPushButton::clicked, this, [this] {
        const auto rows = m_table->selectionModel()->selectedRows();
        if (!rows.isEmpty()) emit openRequested(m_table->item(rows.front().row(), UrlColumn)->text());
    });
    connect(m_table, &QTableWidget::cellDoubleClicked, this,
            [this](int row, int) { emit openRequested(m_table->item(row, UrlColumn)->text()); });
    connect(m_timer, &QTimer::timeout, this, [this] { refresh(); });
    m_timer->setInterval(kRefreshMs);
    refresh();
}

void InstancesPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refresh();
    m_timer->start();
}

void InstancesPage::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    m_timer->stop();
}

void InstancesPage::refresh(std::int64_t now_ms) {
    if (now_ms == 0) now_ms = sb::unix_ms_now();
    const auto fleet = m_bridge.api().fleet();
    if (!fleet) {
        m_summary->setText(tr("This gateway stands alone: no fleet is configured. Gateways with the same \"fleet\" "
                              "section in their config share limits, budgets and settings through Redis, and "
                              "are listed here."));
        m_table->setRowCount(0);
        return;
    }
    QString summary = tr("%n instance(s) live, sharing %1.", "", int(fleet->live_instances))
                          .arg(QString::fromStdString(fleet->redis));
    if (fleet->degraded)
        summary += " " + tr("Degraded: %1. Each instance enforces its share of the limits (the limit divided by the "
                            "%2 instance(s) last seen); settings changes are refused until Redis is back.")
                             .arg(QString::fromStdString(fleet->reason))
                             .arg(fleet->live_instances);
    m_summary->setText(summary);

    const auto selection = m_table->selectionModel()->selectedRows();
    const QString selected =
        selection.isEmpty() ? QString() : m_table->item(selection.front().row(), IdColumn)->data(Qt::UserRole).toString();
    m_table->setRowCount(int(fleet->instances.size()));
    for (int row = 0; row < int(fleet->instances.size()); ++row) {
        const auto& instance = fleet->instances[std::size_t(row)];
        const auto set = [&](int column, const QString& text) {
            auto* item = m_table->item(row, column);
            if (!item) m_table->setItem(row, column, item = new QTableWidgetItem);
            item->setText(text);
            item->setForeground(instance.live ? palette().text() : palette().placeholderText());
        };
        const QString id = QString::fromStdString(instance.id);
        set(IdColumn, instance.self ? tr("%1 (this one)").arg(id) : id);
        m_table->item(row, IdColumn)->setData(Qt::UserRole, id);
        QString health = !instance.live               ? tr("stopped: no heartbeat")
                         : instance.error_rate >= 0.05 ? tr("errors")
                                                       : tr("live");
        set(HealthColumn, health);
        set(RateColumn, metric_format::rate(instance.requests_per_s));
        set(P99Column, instance.requests_per_s > 0 ? metric_format::milliseconds(instance.p99_ms) : tr("–"));
        set(ErrorsColumn, metric_format::percent(instance.error_rate));
        set(VersionColumn, QString::fromStdString(instance.version));
        set(HeartbeatColumn, ago(now_ms - instance.heartbeat_ms));
        set(UrlColumn, QString::fromStdString(instance.url));
        if (!selected.isEmpty() && id == selected) m_table->selectRow(row);
    }
}

QString InstancesPage::summaryText() const { return m_summary->text(); }
