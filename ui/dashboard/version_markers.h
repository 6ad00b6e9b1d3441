#pragma once
// Config versions as chart markers: each applied change becomes a dashed line at its time,
// labelled with its version number, its summary in the tooltip.
#include <QList>

#include <vector>

#include "dashboard/chart_markers.h"
#include "store/config_version_store.h"

QList<ChartMarker> versionMarkers(const std::vector<sb::ConfigVersion>& versions);
