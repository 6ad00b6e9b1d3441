#include "history/history_model.h"
#include "common/qt_text.h"

#include <QDateTime>

#include <algorithm>
#include <iterator>

namespace {


bool isNumeric(int column) {
    switch (column) {
    case HistoryModel::Http:
    case HistoryModel::Attempts:
    case HistoryModel::LatencyMs:
    case HistoryModel::TokensIn:
    case HistoryModel::TokensOut:
    case HistoryModel::Cost:
        return true;
    default:
        return false;
    }
}

}  // namespace

HistoryModel::HistoryModel(std::unique_ptr<sb::HistorySource> source, QObject* parent)
    : QAbstractTableModel(parent), m_queries(std::move(source)) {
    connect(m_queries.worker(), &HistoryQueryWorker::pageReady, this, &HistoryModel::onPage);
    connect(m_queries.worker(), &HistoryQueryWorker::countReady, this, &HistoryModel::onCount);
    connect(m_queries.worker(), &HistoryQueryWorker::countFailed, this,
            [this](quint64 generation, const QString& error) {
                if (generation == m_generation)
                    emit queryFailed(error);
            });
    m_tailTimer.setInterval(std::chrono::seconds(1));
    connect(&m_tailTimer, &QTimer::timeout, this, &HistoryModel::pollTail);
}

HistoryModel::~HistoryModel() = default;

void HistoryModel::setFilter(const sb::HistoryFilter& filter) {
    beginResetModel();
    m_filter = filter;
    m_rows.clear();
    m_next.reset();
    m_total.reset();
    m_firstPageLoaded = false;
    m_tailing = false;
    m_newestTs = 0;
    m_idsAtNewestTs.clear();
    ++m_generation;
    m_queries.setLatestGeneration(m_generation);
    m_fetching = true;
    endResetModel();
    // The page first: the worker runs requests in order, and the rows matter more than the count.
    m_queries.page({m_generation, HistoryRequestKind::Append, m_filter, std::nullopt, m_pageSize});
    m_queries.count(m_generation, m_filter);
}

const sb::HistoryRecord* HistoryModel::record(int row) const {
    return row >= 0 && row < rowCount() ? &m_rows[static_cast<std::size_t>(row)] : nullptr;
}

void HistoryModel::setLiveTail(bool enabled) {
    m_liveTail = enabled;
    updateTailTimer();
}

void HistoryModel::setViewAtTop(bool atTop) {
    m_viewAtTop = atTop;
    updateTailTimer();
}

void HistoryModel::updateTailTimer() {
    if (m_liveTail && m_viewAtTop) {
        if (!m_tailTimer.isActive())
            m_tailTimer.start();
    } else {
        m_tailTimer.stop();
    }
}

int HistoryModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int HistoryModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant HistoryModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const sb::HistoryRecord& r = m_rows[static_cast<std::size_t>(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return cellText(r, index.column());
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(Qt::Alignment(isNumeric(index.column()) ? Qt::AlignRight | Qt::AlignVCenter
                                                                           : Qt::AlignLeft | Qt::AlignVCenter));
    case Qt::ToolTipRole:
        return index.column() == ErrorClass && !r.error_message.empty() ? QVariant(qs(r.error_message)) : QVariant();
    case RecordIdRole:
        return QVariant::fromValue<qint64>(r.id);
    case TimestampRole:
        return QVariant::fromValue<qint64>(r.ts_ms);
    default:
        return {};
    }
}

QString HistoryModel::cellText(const sb::HistoryRecord& r, int column) const {
    switch (column) {
    case Time:
        return QDateTime::fromMSecsSinceEpoch(r.ts_ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
    case Provider:
        return qs(r.provider);
    case Model:
        return qs(r.model);
    case Status:
        return qs(std::string(sb::to_string(r.status)));
    case ErrorClass:
        return qs(r.error_class);
    case Http:
        return r.http_status ? QString::number(r.http_status) : QString();
    case Attempts:
        return QString::number(r.attempts);
    case LatencyMs:
        return QString::number(r.total_ms, 'f', 1);
    case TokensIn:
        return QString::number(r.tokens_in);
    case TokensOut:
        return QString::number(r.tokens_out);
    case Cost:
        return QString::number(r.cost_usd, 'f', 6);
    case Source:
        return qs(r.source);
    case RequestId:
        return qs(r.request_id);
    default:
        return {};
    }
}

QVariant HistoryModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char* const titles[ColumnCount] = {
        QT_TR_NOOP("Time"),     QT_TR_NOOP("Provider"), QT_TR_NOOP("Model"),      QT_TR_NOOP("Status"),
        QT_TR_NOOP("Error"),    QT_TR_NOOP("HTTP"),     QT_TR_NOOP("Attempts"),   QT_TR_NOOP("Latency ms"),
        QT_TR_NOOP("Tokens in"), QT_TR_NOOP("Tokens out"), QT_TR_NOOP("Cost $"), QT_TR_NOOP("Source"),
        QT_TR_NOOP("Request id")};
    return tr(titles[section]);
}

bool HistoryModel::canFetchMore(const QModelIndex& parent) const {
    return !parent.isValid() && m_firstPageLoaded && m_next.has_value() && !m_fetching;
}

void HistoryModel::fetchMore(const QModelIndex& parent) {
    if (!canFetchMore(parent))
        return;
    m_fetching = true;
    m_queries.page({m_generation, HistoryRequestKind::Append, m_filter, m_next, m_pageSize});
}

void HistoryModel::onPage(const HistoryPageResult& result) {
    if (result.generation != m_generation)
        return;  // the filter changed since this was asked for
    if (!result.error.isEmpty()) {
        (result.kind == HistoryRequestKind::Tail ? m_tailing : m_fetching) = false;
        emit queryFailed(result.error);
        return;
    }
    if (result.kind == HistoryRequestKind::Tail)
        prependTail(result);
    else
        appendPage(result);
}

void HistoryModel::appendPage(const HistoryPageResult& result) {
    m_fetching = false;
    m_next = result.next;
    const bool first = !m_firstPageLoaded;
    m_firstPageLoaded = true;
    if (!result.rows.empty()) {
        const int from = rowCount();
        beginInsertRows({}, from, from + static_cast<int>(result.rows.size()) - 1);
        m_rows.insert(m_rows.end(), result.rows.begin(), result.rows.end());
        endInsertRows();
    }
    if (first) {
        rememberNewest();
        emit firstPageShown();
    }
}

void HistoryModel::prependTail(const HistoryPageResult& result) {
    m_tailing = false;
    if (result.next) {
        // More new rows than one page: a gap would open between them and the shown rows.
        // The view is at the top, so starting over from the newest page loses nothing.
        reload();
        return;
    }
    std::vector<sb::HistoryRecord> fresh;
    std::copy_if(result.rows.begin(), result.rows.end(), std::back_inserter(fresh), [this](const sb::HistoryRecord& r) {
        return r.ts_ms > m_newestTs || (r.ts_ms == m_newestTs && !m_idsAtNewestTs.contains(r.id));
    });
    if (fresh.empty())
        return;
    beginInsertRows({}, 0, static_cast<int>(fresh.size()) - 1);
    m_rows.insert(m_rows.begin(), std::make_move_iterator(fresh.begin()), std::make_move_iterator(fresh.end()));
    endInsertRows();
    rememberNewest();
    if (m_total) {
        *m_total += static_cast<qint64>(fresh.size());
        emit totalCountChanged(*m_total);
    }
}

void HistoryModel::rememberNewest() {
    m_idsAtNewestTs.clear();
    if (m_rows.empty())
        return;
    m_newestTs = m_rows.front().ts_ms;
    for (const sb::HistoryRecord& r : m_rows) {
        if (r.ts_ms != m_newestTs)
            break;
        m_idsAtNewestTs.insert(r.id);
    }
}

void HistoryModel::onCount(quint64 generation, qint64 count) {
    if (generation != m_generation)
        return;
    m_total = count;
    emit totalCountChanged(count);
}

void HistoryModel::pollTail() {
    if (!m_firstPageLoaded || m_tailing)
        return;
    sb::HistoryFilter tail = m_filter;
    if (!m_rows.empty())
        tail.since_ms = std::max(m_filter.since_ms.value_or(m_newestTs), m_newestTs);
    m_tailing = true;
    m_queries.page({m_generation, HistoryRequestKind::Tail, tail, std::nullopt, m_pageSize});
}
