#include "security/redaction.h"

#include "security/pii_scan.h"

namespace sb {

namespace {

std::string_view mask(PiiKind kind) {
    switch (kind) {
    case PiiKind::CardNumber: return "[card number]";
    case PiiKind::Email: return "[e-mail]";
    case PiiKind::Phone: return "[phone]";
    case PiiKind::ApiKey: return "[api key]";
    }
    return "[redacted]";
}

}  // namespace

std::string redact(std::string_view text) {
    const auto spans = find_pii(text);
    if (spans.empty()) return std::string(text);
    std::string out;
    out.reserve(text.size());
    std::size_t at = 0;
    for (const auto& span : spans) {
        out.append(text.substr(at, span.begin - at));
        out.append(mask(span.kind));
        at = span.end;
    }
    out.append(text.substr(at));
    return out;
}

}  // namespace sb
