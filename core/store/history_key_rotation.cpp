#include "store/history_key_rotation.h"

#include <unistd.h>

#include "security/field_cipher.h"
#include "security/key_file.h"
#include "store/database.h"

namespace sb {

namespace {

std::filesystem::path with_suffix(const std::filesystem::path& file, const char* suffix) {
    std::filesystem::path out = file;
    out += suffix;
    return out;
}

// One table's sealed text columns, and its key: the columns that find a row again, bound after
// the texts in the UPDATE ("T" a text key column, "I" an integer one).
struct SealedColumns {
    const char* table;
    std::vector<const char*> columns;
    std::vector<const char*> keys;
    const char* key_types;
};

const std::vector<SealedColumns>& sealed_tables() {
    static const std::vector<SealedColumns> tables{
        {"requests", {"prompt_text", "response_text"}, {"id"}, "I"},
        {"conversations", {"title", "conversation_json"}, {"id"}, "I"},
        {"batch_results", {"output_json"}, {"batch_id", "line_no"}, "TI"},
    };
    return tables;
}

// Re-encrypts every non-null text of one table with `writer`; an error names table and row.
std::expected<void, std::string> rotate_table(Database& db, const SealedColumns& table, const FieldCipher& reader,
                                              const FieldCipher& writer, RotationReport& report) {
    const int texts = static_cast<int>(table.columns.size());
    const int keys = static_cast<int>(table.keys.size());
    std::string select_sql = "SELECT ";
    std::string any_text;
    std::string update_sql = std::string("UPDATE ") + table.table + " SET ";
    for (int i = 0; i < keys; ++i) select_sql += std::string(table.keys[i]) + ", ";
    for (int i = 0; i < texts; ++i) {
        select_sql += std::string(i ? ", " : "") + table.columns[i];
        any_text += std::string(i ? " OR " : "") + table.columns[i] + " IS NOT NULL";
        update_sql += std::string(i ? ", " : "") + table.columns[i] + " = ?" + std::to_string(i + 1);
    }
    select_sql += std::string(" FROM ") + table.table + " WHERE " + any_text;
    for (int i = 0; i < keys; ++i)
        update_sql += std::string(i ? " AND " : " WHERE ") + table.keys[i] + " = ?" + std::to_string(texts + 1 + i);
    const std::string what = std::string("re-encrypt ") + table.table;
    auto select = db.prepare(select_sql, what);
    if (!select) return std::unexpected(select.error().message);
    auto update = db.prepare(update_sql, what);
    if (!update) return std::unexpected(update.error().message);
    for (;;) {
        auto row = select->step(what);
        if (!row) return std::unexpected(row.error().message);
        if (!*row) break;
        std::string row_name = std::string(table.table) + " row";
        for (int key = 0; key < keys; ++key) row_name += " " + select->text(key);
        for (int column = 0; column < texts; ++column) {
            const int at = keys + column;
            if (select->is_null(at)) {
                update->bind_null(column + 1);
                continue;
            }
            auto plain = reader.decrypt(select->text(at));
            if (!plain) return std::unexpected(row_name + ": " + plain.error());
            auto sealed = writer.encrypt(*plain);
            if (!sealed) return std::unexpected(row_name + ": " + sealed.error());
            update->bind(column + 1, std::string_view(*sealed));
            ++report.fields;
        }
        for (int key = 0; key < keys; ++key) {
            if (table.key_types[key] == 'T') update->bind(texts + 1 + key, std::string_view(select->text(key)));
            else update->bind(texts + 1 + key, select->int64(key));
        }
        if (auto done = update->run(what); !done) return std::unexpected(done.error().message);
        ++report.rows;
    }
    select->reset();
    return {};
}

}  // namespace

std::expected<RotationReport, std::string> rotate_history_key(const std::filesystem::path& database,
                                                              const std::filesystem::path& key_file) {
    const auto next_file = with_suffix(key_file, ".new");
    // Step 1: the new key (an interrupted rotation's is reused, never replaced).
    auto next = load_or_create_key_file(next_file);
    if (!next) return std::unexpected(next.error());
    auto current = load_or_create_key_file(key_file);
    if (!current) return std::unexpected(current.error());
    std::vector<FernetKey> readers{next->key, current->key};
    if (auto previous = load_key_file(with_suffix(key_file, ".previous"))) readers.push_back(*previous);
    const FieldCipher reader(std::move(readers));
    const FieldCipher writer({next->key});

    // Step 2: every row's text, in one transaction.
    auto db = Database::open(database, OpenMode::ReadWrite);
    if (!db) return std::unexpected(db.error().message);
    RotationReport report;
    if (auto begun = db->exec("BEGIN IMMEDIATE", "begin the key rotation"); !begun) return std::unexpected(begun.error().message);
    for (const auto& table : sealed_tables()) {
        if (auto rotated = rotate_table(*db, table, reader, writer, report); !rotated) {
            (void)db->exec("ROLLBACK", "roll back the key rotation");
            return std::unexpected("nothing rotated: " + rotated.error());
        }
    }
    if (auto committed = db->exec("COMMIT", "commit the key rotation"); !committed)
        return std::unexpected("nothing rotated: " + committed.error().message);

    // Step 3: the new key becomes the key; the old one stays readable as ".previous".
    const auto previous_file = with_suffix(key_file, ".previous");
    std::error_code ec;
    std::filesystem::remove(previous_file, ec);
    if (::link(key_file.c_str(), previous_file.c_str()) != 0)
        return std::unexpected("rows re-encrypted, but " + previous_file.string() + " could not be kept: run the rotation again");
    std::filesystem::rename(next_file, key_file, ec);
    if (ec) return std::unexpected("rows re-encrypted, but " + next_file.string() + " could not become the key: " + ec.message());
    return report;
}

}  // namespace sb
