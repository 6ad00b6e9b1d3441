#pragma once
// The dashboard's charts, named for the public API (export, tests) and the CSV header.
#include <QString>

#include <array>

enum class ChartId { RequestRate, Latency, Errors, Cost, Tokens, CacheHit };

inline constexpr std::array kAllCharts{ChartId::RequestRate, ChartId::Latency, ChartId::Errors,
                                       ChartId::Cost,        ChartId::Tokens,  ChartId::CacheHit};

QString chartKey(ChartId id);  // stable, file-name friendly: "request_rate", "latency"…
