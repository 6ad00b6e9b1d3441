#pragma once
// The config versions, newest first: when, who, and what changed. Rebuilt only when the
// list changed (a version added or stored), so a refresh timer can call setVersions freely.
#include <QTreeWidget>

#include <cstdint>
#include <vector>

#include "store/config_version_store.h"

class VersionsList final : public QTreeWidget {
    Q_OBJECT
public:
    enum Column { TimeColumn, AuthorColumn, SummaryColumn };

    explicit VersionsList(QWidget* parent = nullptr);
    void setVersions(const std::vector<sb::ConfigVersion>& versions);  // oldest first, as the engine gives them
    QStringList summaries() const;                                     // newest first

private:
    std::size_t m_count = 0;
    std::int64_t m_lastId = -1;
    std::int64_t m_lastAt = -1;
};
