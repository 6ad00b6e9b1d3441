#pragma once
// The one conversion of the engine's UTF-8 text into Qt's.
#include <QString>

#include <string_view>

inline QString qs(std::string_view text) {
    return QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size()));
}
