#include "store/conversation_store.h"

#include <sqlite3.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "security/redaction.h"
#include "model/clock.h"

namespace sb {

namespace {

std::string to_json_text(const Conversation& c) {
    nlohmann::json turns = nlohmann::json::array();
    for (const ConversationTurn& turn : c.turns)
        turns.push_back({{"role", std::string(to_string(turn.role))}, {"text", turn.text}});
    nlohmann::json doc = {{"system", c.system_prompt},
                          {"turns", std::move(turns)},
                          {"target", c.provider.empty() ? nlohmann::json(nullptr)
                                                        : nlohmann::json{{"provider", c.provider}, {"model", c.model}}},
                          {"temperature", c.temperature ? nlohmann::json(*c.temperature) : nlohmann::json(nullptr)},
                          {"max_tokens", c.max_tokens ? nlohmann::json(*c.max_tokens) : nlohmann::json(nullptr)},
                          {"stream", c.stream}};
    return doc.dump();
}

// Fills the content fields of `c` from its JSON text; returns what is wrong, if anything.
std::optional<std::string> from_json_text(const std::string& text, Conversation& c) {
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return "not a JSON object";
    try {
        c.system_prompt = doc.value("system", std::string());
        for (const auto& turn : doc.value("turns", nlohmann::json::array())) {
            const auto role = role_from_string(turn.at("role").get<std::string>());
            if (!role)
                return "turn with unknown role '" + turn.at("role").get<std::string>() + "'";
            c.turns.push_back({*role, turn.at("text").get<std::string>()});
        }
        if (const auto target = doc.find("target"); target != doc.end() && target->is_object()) {
            c.provider = target->value("provider", std::string());
            c.model = target->value("model", std::string());
        }
        if (const auto t = doc.find("temperature"); t != doc.end() && t->is_number())
            c.temperature = t->get<double>();
        if (const auto m = doc.find("max_tokens"); m != doc.end() && m->is_number_integer())
            c.max_tokens = m->get<int>();
        c.stream = doc.value("stream", true);
    } catch (const nlohmann::json::exception& e) {
        return e.what();
    }
    return std::nullopt;
}

}  // namespace

StoreResult<ConversationStore> ConversationStore::open(const std::filesystem::path& file,
                                                       const DatabaseOptions& options, StoredTextPolicy policy) {
    auto db = Database::open(file, OpenMode::ReadWrite, options);
    if (!db)
        return std::unexpected(db.error());
    return ConversationStore(std::move(*db), policy);
}

StoreResult<Conversation> ConversationStore::save(Conversation conversation) {
    // One statement, so one short implicit transaction; RETURNING gives the new id and keeps
    // the original created_ms on update.
    auto stmt = m_db.prepare(
        "INSERT INTO conversations (id, title, created_ms, updated_ms, conversation_json)"
        " VALUES (?1, ?2, ?3, ?3, ?4)"
        " ON CONFLICT (id) DO UPDATE SET title = excluded.title, updated_ms = excluded.updated_ms,"
        " conversation_json = excluded.conversation_json"
        " RETURNING id, created_ms, updated_ms",
        "prepare conversation save");
    if (!stmt)
        return std::unexpected(stmt.error());
    if (m_policy.redact) {
        conversation.title = redact(conversation.title);
        conversation.system_prompt = redact(conversation.system_prompt);
        for (auto& turn : conversation.turns)
            turn.text = redact(turn.text);
    }
    // Sealing only: the masking is done above, field by field, so the returned copy shows it.
    const StoredTextPolicy seal{false, m_policy.cipher};
    const std::string stored_title = protect_text(conversation.title, seal);
    const std::string stored_json = protect_text(to_json_text(conversation), seal);
    if (stored_json.empty())
        return std::unexpected(StoreError{"history database '" + m_db.file().string() + "': save conversation '" +
                                              conversation.title + "': the text could not be encrypted",
                                          SQLITE_ERROR});
    if (conversation.id > 0)
        stmt->bind(1, conversation.id);
    else
        stmt->bind_null(1);
    stmt->bind(2, std::string_view(stored_title));
    stmt->bind(3, unix_ms_now());
    stmt->bind(4, std::string_view(stored_json));
    auto row = stmt->step("save conversation '" + conversation.title + "'");
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::unexpected(m_db.error("save conversation '" + conversation.title + "': no row returned"));
    conversation.id = stmt->int64(0);
    conversation.created_ms = stmt->int64(1);
    conversation.updated_ms = stmt->int64(2);
    // Step to completion so the statement's write commits before we return.
    if (auto done = stmt->step("finish saving conversation"); !done)
        return std::unexpected(done.error());
    return conversation;
}

StoreResult<std::vector<ConversationSummary>> ConversationStore::list() {
    auto stmt = m_db.prepare("SELECT id, title, updated_ms FROM conversations ORDER BY updated_ms DESC, id DESC",
                             "prepare conversation list");
    if (!stmt)
        return std::unexpected(stmt.error());
    std::vector<ConversationSummary> rows;
    for (;;) {
        auto row = stmt->step("list conversations");
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        auto title = reveal_text(stmt->text(1), m_policy.cipher);
        rows.push_back({stmt->int64(0), title ? std::move(*title) : "[encrypted title: " + title.error() + "]",
                        stmt->int64(2)});
    }
    return rows;
}

StoreResult<std::optional<Conversation>> ConversationStore::load(std::int64_t id) {
    auto stmt = m_db.prepare("SELECT title, created_ms, updated_ms, conversation_json FROM conversations WHERE id = ?1",
                             "prepare conversation load");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, id);
    const std::string what = "load conversation " + std::to_string(id);
    auto row = stmt->step(what);
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<Conversation>();
    Conversation c;
    c.id = id;
    auto title = reveal_text(stmt->text(0), m_policy.cipher);
    std::expected<std::string, std::string> content =
        title ? reveal_text(stmt->text(3), m_policy.cipher) : std::unexpected(title.error());
    if (!content)
        return std::unexpected(StoreError{"history database '" + m_db.file().string() + "': " + what + ": " +
                                              content.error(),
                                          SQLITE_ERROR});
    c.title = std::move(*title);
    c.created_ms = stmt->int64(1);
    c.updated_ms = stmt->int64(2);
    if (auto problem = from_json_text(*content, c))
        return std::unexpected(StoreError{"history database '" + m_db.file().string() + "': " + what +
                                              ": stored JSON is invalid: " + *problem,
                                          SQLITE_CORRUPT});
    return std::optional<Conversation>(std::move(c));
}

StoreResult<bool> ConversationStore::remove(std::int64_t id) {
    auto stmt = m_db.prepare("DELETE FROM conversations WHERE id = ?1", "prepare conversation delete");
    if (!stmt)
        return std::unexpected(stmt.error());
    stmt->bind(1, id);
    if (auto ok = stmt->run("delete conversation " + std::to_string(id)); !ok)
        return std::unexpected(ok.error());
    return m_db.changes() > 0;
}

}  // namespace sb
