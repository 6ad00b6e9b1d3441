#include "dashboard/chart_id.h"

QString chartKey(ChartId id) {
    switch (id) {
    case ChartId::RequestRate: return QStringLiteral("request_rate");
    case ChartId::Latency: return QStringLiteral("latency");
    case ChartId::Errors: return QStringLiteral("errors");
    case ChartId::Cost: return QStringLiteral("cost");
    case ChartId::Tokens: return QStringLiteral("tokens");
    case ChartId::CacheHit: return QStringLiteral("cache_hit_ratio");
    }
    return {};
}
