// History queries on the database on this machine, text opened with the history cipher.
#include <optional>

#include "console/history_source.h"
#include "security/field_cipher.h"

namespace sb {

namespace {

class LocalHistorySource final : public HistorySource {
public:
    LocalHistorySource(std::filesystem::path database, const FieldCipher* cipher)
        : m_database(std::move(database)), m_cipher(cipher) {}

    std::expected<HistoryPage, std::string> page(const HistoryFilter& filter, std::optional<HistoryCursor> after,
                                                 int limit) override {
        HistoryReader* opened = reader();
        if (!opened) return std::unexpected(m_open_error);
        auto page = opened->page(filter, after, limit);
        if (!page) return std::unexpected(page.error().message);
        for (auto& row : page->rows) open_text(row);
        return std::move(*page);
    }

    std::expected<std::int64_t, std::string> count(const HistoryFilter& filter) override {
        HistoryReader* opened = reader();
        if (!opened) return std::unexpected(m_open_error);
        auto count = opened->count(filter);
        if (!count) return std::unexpected(count.error().message);
        return *count;
    }

    std::expected<std::vector<RollupRow>, std::string> rollups(std::int64_t since_ms, std::int64_t until_ms) override {
        HistoryReader* opened = reader();
        if (!opened) return std::unexpected(m_open_error);
        auto rows = opened->rollups(since_ms, until_ms, RollupGrouping::ByProvider);
        if (!rows) return std::unexpected(rows.error().message);
        return std::move(*rows);
    }

private:
    HistoryReader* reader() {
        if (m_reader) return &*m_reader;
        if (m_database.empty()) {
            m_open_error = "the history is off: requests are not recorded";
            return nullptr;
        }
        auto opened = HistoryReader::open(m_database);
        if (!opened) {
            m_open_error = opened.error().message;
            return nullptr;
        }
        m_reader.emplace(std::move(*opened));
        return &*m_reader;
    }

    void open_text(HistoryRecord& record) const {
        for (std::string* text : {&record.prompt_text, &record.response_text}) {
            if (!FieldCipher::is_encrypted(*text)) continue;
            auto plain = m_cipher ? m_cipher->decrypt(*text)
                                  : std::expected<std::string, std::string>(std::unexpected("privacy.encrypt_history is off"));
            *text = plain ? std::move(*plain) : "[encrypted text: " + plain.error() + "]";
        }
    }

    const std::filesystem::path m_database;
    const FieldCipher* m_cipher;
    std::optional<HistoryReader> m_reader;
    std::string m_open_error;
};

}  // namespace

std::unique_ptr<HistorySource> local_history_source(std::filesystem::path database, const FieldCipher* cipher) {
    return std::make_unique<LocalHistorySource>(std::move(database), cipher);
}

}  // namespace sb
