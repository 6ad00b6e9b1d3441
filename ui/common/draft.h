#pragma once
// What every staged draft (routing, cache rules, alert rules, prices, providers) tells the
// page around it: whether it differs from what is live, whether it may be applied, its
// problems, and when any of these change. The page's DraftBar follows it.
#include <QObject>

#include <vector>

#include "config/config.h"

class Draft : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;

    virtual bool isDirty() const = 0;
    virtual bool canApply() const = 0;  // dirty and without problems
    virtual const std::vector<sb::ConfigError>& errors() const = 0;

signals:
    void changed();  // the draft, what it is staged against, or its problems changed
};
