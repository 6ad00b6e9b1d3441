#pragma once
// Playground conversations saved in the history database: one row per conversation, its
// content (system prompt, turns, target, parameters) as one JSON document, so the shape can
// grow without a migration. Opens its own connection; one ConversationStore per thread.
// The title and content are written under the privacy rules (security/stored_text.h): masked
// with privacy.redact_history, sealed with privacy.encrypt_history, opened again on load.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "model/chat.h"
#include "security/stored_text.h"
#include "store/database.h"

namespace sb {

struct ConversationTurn {
    Role role = Role::User;
    std::string text;
    bool operator==(const ConversationTurn&) const = default;
};

struct Conversation {
    std::int64_t id = 0;  // 0 = not saved yet
    std::string title;
    std::int64_t created_ms = 0;
    std::int64_t updated_ms = 0;

    std::string system_prompt;
    std::vector<ConversationTurn> turns;
    // Target: an empty provider means automatic routing; an empty model, the provider's default.
    std::string provider;
    std::string model;
    std::optional<double> temperature;
    std::optional<int> max_tokens;
    bool stream = true;

    bool operator==(const Conversation&) const = default;
};

struct ConversationSummary {
    std::int64_t id = 0;
    std::string title;
    std::int64_t updated_ms = 0;
};

class ConversationStore final {
public:
    // `policy.cipher`, when set, must outlive the store (the engine's history cipher).
    static StoreResult<ConversationStore> open(const std::filesystem::path& file, const DatabaseOptions& options = {},
                                               StoredTextPolicy policy = {});

    // Inserts (id 0, or an id no longer in the file) or updates, in one statement. Returns the
    // conversation as stored: id, created_ms and updated_ms filled in, text masked if the
    // policy masks it.
    StoreResult<Conversation> save(Conversation conversation);
    // Most recently updated first; a title no key opens reads "[encrypted title: …]".
    StoreResult<std::vector<ConversationSummary>> list();
    StoreResult<std::optional<Conversation>> load(std::int64_t id);
    StoreResult<bool> remove(std::int64_t id);  // false: there was no such conversation

private:
    ConversationStore(Database db, StoredTextPolicy policy) : m_db(std::move(db)), m_policy(policy) {}

    Database m_db;
    StoredTextPolicy m_policy;
};

}  // namespace sb
