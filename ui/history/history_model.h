#pragma once
// The History table: a lazy, newest-first view over the history file. Keyset pages come from a
// HistoryQueryWorker (canFetchMore/fetchMore append one page per beginInsertRows); cell text is
// built in data(). Memory grows only with the pages the user scrolled to. An optional live tail
// polls for rows newer than the newest shown, only while the view sits at the top.
#include <QAbstractTableModel>
#include <QSet>
#include <QTimer>

#include <chrono>
#include <memory>
#include <optional>
#include <deque>
#include <vector>

#include "history/history_queries.h"
#include "store/history_query.h"

class HistoryModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Time,
        Provider,
        Model,
        Status,
        ErrorClass,
        Http,
        Attempts,
        LatencyMs,
        TokensIn,
        TokensOut,
        Cost,
        Source,
        RequestId,
        ColumnCount
    };
    enum Role { RecordIdRole = Qt::UserRole + 1, TimestampRole };

    explicit HistoryModel(std::unique_ptr<sb::HistorySource> source, QObject* parent = nullptr);
    ~HistoryModel() override;

    // Drops every loaded row and loads the first page (and the total count) for `filter`.
    void setFilter(const sb::HistoryFilter& filter);
    const sb::HistoryFilter& filter() const { return m_filter; }
    void reload() { setFilter(m_filter); }

    void setPageSize(int rows) { m_pageSize = rows; }
    int pageSize() const { return m_pageSize; }
    bool isFetching() const { return m_fetching; }
    bool firstPageLoaded() const { return m_firstPageLoaded; }
    std::optional<qint64> totalCount() const { return m_total; }
    const sb::HistoryRecord* record(int row) const;

    // The tail timer runs only while enabled and the view is visible and at its top row.
    void setLiveTail(bool enabled);
    bool liveTail() const { return m_liveTail; }
    void setViewAtTop(bool atTop);
    void setTailInterval(std::chrono::milliseconds interval) { m_tailTimer.setInterval(interval); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;

signals:
    void firstPageShown();
    void totalCountChanged(qint64 count);
    void queryFailed(const QString& error);

private:
    void onPage(const HistoryPageResult& result);
    void appendPage(const HistoryPageResult& result);
    void prependTail(const HistoryPageResult& result);
    void onCount(quint64 generation, qint64 count);
    void pollTail();
    void updateTailTimer();
    void rememberNewest();
    QString cellText(const sb::HistoryRecord& record, int column) const;

    HistoryQueries m_queries;
    sb::HistoryFilter m_filter;
    std::deque<sb::HistoryRecord> m_rows;  // newest first; the tail pushes at the front
    std::optional<sb::HistoryCursor> m_next;
    quint64 m_generation = 0;
    int m_pageSize = 500;
    bool m_fetching = false;
    bool m_firstPageLoaded = false;
    std::optional<qint64> m_total;

    QTimer m_tailTimer;
    bool m_liveTail = false;
    bool m_viewAtTop = true;
    bool m_tailing = false;             // a tail query is in flight
    std::int64_t m_newestTs = 0;        // ts of the newest row shown
    QSet<qint64> m_idsAtNewestTs;       // rows at that ts, so the tail's ">= ts" query dedupes
};
