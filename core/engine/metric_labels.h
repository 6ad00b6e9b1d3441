#pragma once
// The label values the Prometheus exporter shows at 0 before any request: the configured
// providers and routing targets, every request status, one code per error class, and the
// cache's results when a cache (or in-flight coalescing) is on.
#include "config/config.h"
#include "metrics/prometheus_metrics.h"

namespace sb {

KnownLabels known_metric_labels(const Config& config, const RoutingConfig& routing);

}  // namespace sb
