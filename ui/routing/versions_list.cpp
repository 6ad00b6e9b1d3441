#include "routing/versions_list.h"

#include <QDateTime>
#include <QHeaderView>

VersionsList::VersionsList(QWidget* parent) : QTreeWidget(parent) {
    setColumnCount(3);
    setHeaderLabels({tr("Applied"), tr("By"), tr("What changed")});
    setRootIsDecorated(false);
    setUniformRowHeights(true);
    setSelectionMode(QAbstractItemView::SingleSelection);
    header()->setSectionResizeMode(TimeColumn, QHeaderView::ResizeToContents);
    header()->setSectionResizeMode(AuthorColumn, QHeaderView::ResizeToContents);
    header()->setStretchLastSection(true);
}

void VersionsList::setVersions(const std::vector<sb::ConfigVersion>& versions) {
    const std::int64_t lastId = versions.empty() ? 0 : versions.back().id;
    const std::int64_t lastAt = versions.empty() ? 0 : versions.back().at_ms;
    if (versions.size() == m_count && lastId == m_lastId && lastAt == m_lastAt) return;
    m_count = versions.size();
    m_lastId = lastId;
    m_lastAt = lastAt;

    const QDate today = QDate::currentDate();
    QList<QTreeWidgetItem*> items;
    items.reserve(qsizetype(versions.size()));
    for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(it->at_ms);
        const QString time = at.date() == today ? at.toString(QStringLiteral("hh:mm:ss"))
                                                : at.toString(QStringLiteral("yyyy-MM-dd hh:mm"));
        const QString summary = QString::fromStdString(it->summary);
        auto* item = new QTreeWidgetItem({time, QString::fromStdString(it->author), summary});
        item->setToolTip(TimeColumn, tr("Version %1, %2").arg(it->id).arg(at.toString(Qt::ISODate)));
        item->setToolTip(SummaryColumn, summary);
        items.append(item);
    }
    clear();
    addTopLevelItems(items);
}

QStringList VersionsList::summaries() const {
    QStringList result;
    for (int i = 0; i < topLevelItemCount(); ++i) result << topLevelItem(i)->text(SummaryColumn);
    return result;
}
