#pragma once
// `switchboard-gateway history rotate-key`: re-encrypts the history's prompt and response
// text under a new key, rows written before encryption was on included. Crash-safe in
// three steps: (1) the new key goes to "<key>.new" (kept if a rotation was interrupted);
// (2) every row is rewritten in one transaction — a reader holding both keys opens each
// row throughout; (3) the old key becomes "<key>.previous" and the new one "<key>". A
// process that wrote rows with the old key meanwhile still reads them through ".previous".
#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>

namespace sb {

struct RotationReport {
    std::size_t rows = 0;    // rows whose text was rewritten
    std::size_t fields = 0;  // prompt and response texts re-encrypted
};

std::expected<RotationReport, std::string> rotate_history_key(const std::filesystem::path& database,
                                                              const std::filesystem::path& key_file);

}  // namespace sb
