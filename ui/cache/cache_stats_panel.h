#pragma once
// The response cache's live figures: the backend and whether it answers (with its last
// error when not), the hit ratio, hits / misses / shared / skipped / bypassed, entries,
// size against the bound, evictions, errors, the money the hits saved, and the questions
// answered from the cache most often. With the semantic cache on, its hits (apart from the
// exact ones), lookups, stored questions and errors. The page feeds it a snapshot once a second while it
// is visible; labels and rows are updated in place.
#include <QGroupBox>
#include <QLocale>

#include <array>

#include "cache/response_cache.h"

class QFormLayout;
class QLabel;
class QTableWidget;

class CacheStatsPanel final : public QGroupBox {
    Q_OBJECT
public:
    enum Figure {
        Backend,
        HitRatio,
        Hits,
        Misses,
        Shared,
        Skipped,
        Bypassed,
        Entries,
        Bytes,
        MaxBytes,
        Evictions,
        Errors,
        Saved,
        SemanticHits,
        SemanticLookups,
        SemanticEntries,
        SemanticErrors,
        FigureCount
    };

    explicit CacheStatsPanel(QWidget* parent = nullptr);

    void setStats(const sb::ResponseCacheStats& stats, const QLocale& locale = QLocale());

    QString text(Figure figure) const;
    QTableWidget* topQuestions() const { return m_top; }

private:
    std::array<QLabel*, FigureCount> m_labels{};
    QTableWidget* m_top;
    QFormLayout* m_semantic;  // shown only with the semantic cache on
};
