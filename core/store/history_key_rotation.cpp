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
    {
        if (auto begun = db->exec("BEGIN IMMEDIATE", "begin the key rotation"); !begun) return std::unexpected(begun.error().message);
        auto select = db->prepare("SELECT id, prompt_text, response_text FROM requests "
                                  "WHERE prompt_text IS NOT NULL OR response_text IS NOT NULL",
                                  "read the history text");
        auto update = db->prepare("UPDATE requests SET prompt_text = ?1, response_text = ?2 WHERE id = ?3",
                                  "rewrite the history text");
        if (!select || !update) {
            (void)db->exec("ROLLBACK", "roll back the key rotation");
            return std::unexpected(!select ? select.error().message : update.error().message);
        }
        std::string failure;
        for (;;) {
            auto row = select->step("read the history text");
            if (!row) {
                failure = row.error().message;
                break;
            }
            if (!*row) break;
            std::string texts[2];
            for (int column = 0; column < 2 && failure.empty(); ++column) {
                if (select->is_null(column + 1)) continue;
                auto plain = reader.decrypt(select->text(column + 1));
                auto sealed = plain ? writer.encrypt(*plain) : std::expected<std::string, std::string>(std::unexpected(plain.error()));
                if (!sealed) failure = "row " + std::to_string(select->int64(0)) + ": " + sealed.error();
                else texts[column] = std::move(*sealed), ++report.fields;
            }
            if (!failure.empty()) break;
            for (int column = 0; column < 2; ++column)
                if (select->is_null(column + 1)) update->bind_null(column + 1);
                else update->bind(column + 1, std::string_view(texts[column]));
            update->bind(3, select->int64(0));
            if (auto done = update->run("rewrite the history text"); !done) {
                failure = done.error().message;
                break;
            }
            ++report.rows;
        }
        select->reset();
        if (!failure.empty()) {
            (void)db->exec("ROLLBACK", "roll back the key rotation");
            return std::unexpected("nothing rotated: " + failure);
        }
        if (auto committed = db->exec("COMMIT", "commit the key rotation"); !committed)
            return std::unexpected("nothing rotated: " + committed.error().message);
    }

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
