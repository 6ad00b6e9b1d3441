#pragma once
// What one finished request leaves in the history: the row, and the policy for its text.
#include "engine/request_result.h"
#include "model/chat.h"
#include "security/stored_text.h"
#include "store/history_record.h"

namespace sb {

class FieldCipher;

// What of a request's text a history row keeps, and how (config store.store_text, privacy.*).
struct HistoryTextPolicy {
    bool store_text = true;
    bool redact = false;                  // personal data and key shapes masked
    const FieldCipher* cipher = nullptr;  // non-null: text stored encrypted
    StoredTextPolicy stored() const { return {redact, cipher}; }
};

// The history row for a finished request (written by the engine and by the batch runner).
HistoryRecord history_record(const ChatRequest& request, const RequestResult& result, const HistoryTextPolicy& policy);

}  // namespace sb
