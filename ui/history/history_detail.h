#pragma once
// Text for the History detail pane: one request's timings, outcome, usage and its prompt and
// response, JSON indented.
#include <QString>

#include <string>

#include "store/history_record.h"

namespace history_detail {

// Indented JSON when `text` is a JSON object or array, else the text as it is.
QString prettyText(const std::string& text);
QString describe(const sb::HistoryRecord& record);

}  // namespace history_detail
