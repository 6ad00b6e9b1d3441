#include "cache/cache_stats_panel.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

#include "common/metric_format.h"
#include "common/qt_text.h"

namespace {


void setText(QLabel* label, const QString& text) {
    if (label->text() != text) label->setText(text);
}

void setCell(QTableWidget* table, int row, int column, const QString& text, Qt::Alignment align) {
    QTableWidgetItem* item = table->item(row, column);
    if (!item) {
        item = new QTableWidgetItem;
        item->setTextAlignment(align | Qt::AlignVCenter);
        table->setItem(row, column, item);
    }
    if (item->text() != text) item->setText(text);
    if (item->toolTip() != text) item->setToolTip(text);
}

}  // namespace

CacheStatsPanel::CacheStatsPanel(QWidget* parent) : QGroupBox(tr("Live figures"), parent), m_top(new QTableWidget(0, 2, this)) {
    for (auto& label : m_labels) {
        label = new QLabel(this);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }
    m_labels[Backend]->setWordWrap(true);
    m_labels[HitRatio]->setToolTip(tr("Hits and shared answers out of the requests that were looked up"));
    m_labels[Shared]->setToolTip(tr("Identical requests that waited for one upstream call and shared its answer"));
    m_labels[Skipped]->setToolTip(tr("A rule or the request said not to cache"));
    m_labels[Bypassed]->setToolTip(tr("The cache store could not answer in time; sent upstream"));
    m_labels[Saved]->setToolTip(tr("What the hits and shared answers would have cost"));
    m_labels[SemanticHits]->setToolTip(tr("Answered with the stored answer to a question close enough in meaning"));
    m_labels[SemanticErrors]->setToolTip(tr("The question could not be embedded or searched; sent upstream"));

    auto* left = new QFormLayout;
    left->addRow(tr("Backend"), m_labels[Backend]);
    left->addRow(tr("Hit ratio"), m_labels[HitRatio]);
    left->addRow(tr("Hits"), m_labels[Hits]);
    left->addRow(tr("Misses"), m_labels[Misses]);
    left->addRow(tr("Shared"), m_labels[Shared]);
    left->addRow(tr("Skipped"), m_labels[Skipped]);
    left->addRow(tr("Bypassed"), m_labels[Bypassed]);
    auto* right = new QFormLayout;
    right->addRow(tr("Entries"), m_labels[Entries]);
    right->addRow(tr("Size"), m_labels[Bytes]);
    right->addRow(tr("Bound"), m_labels[MaxBytes]);
    right->addRow(tr("Evictions"), m_labels[Evictions]);
    right->addRow(tr("Store errors"), m_labels[Errors]);
    right->addRow(tr("Money saved"), m_labels[Saved]);
    m_semantic = new QFormLayout;
    m_semantic->addRow(tr("Semantic hits"), m_labels[SemanticHits]);
    m_semantic->addRow(tr("Semantic lookups"), m_labels[SemanticLookups]);
    m_semantic->addRow(tr("Stored questions"), m_labels[SemanticEntries]);
    m_semantic->addRow(tr("Semantic errors"), m_labels[SemanticErrors]);
    auto* figures = new QHBoxLayout;
    figures->addLayout(left, 1);
    figures->addLayout(right, 1);
    figures->addLayout(m_semantic, 1);

    m_top->setObjectName(QStringLiteral("topQuestions"));
    m_top->setHorizontalHeaderLabels({tr("Top repeated questions"), tr("Hits")});
    m_top->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_top->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_top->verticalHeader()->setVisible(false);
    m_top->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_top->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(figures);
    layout->addWidget(m_top, 1);
}

void CacheStatsPanel::setStats(const sb::ResponseCacheStats& stats, const QLocale& locale) {
    const auto count = [&locale](std::uint64_t n) { return locale.toString(qulonglong(n)); };
    const auto& store = stats.store;
    setText(m_labels[Backend], store.available
                                   ? tr("%1 — available").arg(qs(stats.backend))
                                   : tr("%1 — unavailable: %2").arg(qs(stats.backend), qs(store.last_error)));
    m_labels[Backend]->setStyleSheet(store.available ? QString() : QStringLiteral("color: #d32f2f;"));
    setText(m_labels[HitRatio], metric_format::percent(stats.hit_ratio(), locale));
    setText(m_labels[Hits], count(stats.hits));
    setText(m_labels[Misses], count(stats.misses));
    setText(m_labels[Shared], count(stats.coalesced));
    setText(m_labels[Skipped], count(stats.skipped));
    setText(m_labels[Bypassed], count(stats.bypassed));
    setText(m_labels[Entries], count(store.entries));
    setText(m_labels[Bytes], metric_format::bytes(double(store.bytes), locale));
    setText(m_labels[MaxBytes], store.max_bytes ? metric_format::bytes(double(store.max_bytes), locale)
                                                : tr("set by the store (Redis maxmemory)"));
    setText(m_labels[Evictions], count(store.evictions));
    setText(m_labels[Errors], count(store.errors));
    setText(m_labels[Saved], metric_format::usd(stats.saved_usd, locale));
    for (int row = 0; row < m_semantic->rowCount(); ++row) m_semantic->setRowVisible(row, stats.semantic.has_value());
    if (stats.semantic) {
        const auto& semantic = *stats.semantic;
        setText(m_labels[SemanticHits], tr("%1 (threshold %2, %3)")
                                            .arg(count(semantic.hits), QString::number(semantic.threshold, 'f', 2),
                                                 qs(semantic.model)));
        setText(m_labels[SemanticLookups], count(semantic.lookups));
        setText(m_labels[SemanticEntries], semantic.shared ? tr("%1 (fleet: %2 shared, %3 received)")
                                                                  .arg(count(semantic.entries), count(semantic.shared->published),
                                                                       count(semantic.shared->received))
                                                            : count(semantic.entries));
        setText(m_labels[SemanticErrors], semantic.last_error.empty()
                                              ? count(semantic.errors)
                                              : tr("%1 — last: %2").arg(count(semantic.errors), qs(semantic.last_error)));
    }

    const int rows = int(stats.top_questions.size());
    if (m_top->rowCount() != rows) m_top->setRowCount(rows);
    for (int i = 0; i < rows; ++i) {
        const auto& question = stats.top_questions[std::size_t(i)];
        setCell(m_top, i, 0, question.question.empty() ? tr("(no user message)") : qs(question.question), Qt::AlignLeft);
        setCell(m_top, i, 1, count(question.hits), Qt::AlignRight);
    }
}

QString CacheStatsPanel::text(Figure figure) const { return m_labels[std::size_t(figure)]->text(); }
