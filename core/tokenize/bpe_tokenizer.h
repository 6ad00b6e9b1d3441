#pragma once
// Exact byte-pair encoding for one tiktoken encoding: pre-tokenise, then merge each
// piece's bytes by lowest rank, as tiktoken does. Special tokens are not recognised:
// the text being counted is user text, so "<|endoftext|>" is just characters.
// Immutable after load, so one instance serves any number of threads.
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenize/encoding.h"
#include "tokenize/rank_file.h"

namespace sb {

class BpeTokenizer final {
public:
    static std::expected<BpeTokenizer, std::string> load(Encoding encoding, const std::filesystem::path& rank_file);
    // For tests and tools that already hold the ranks.
    BpeTokenizer(Encoding encoding, RankMap ranks);

    Encoding encoding() const { return m_encoding; }
    std::vector<std::uint32_t> encode(std::string_view utf8) const;
    std::size_t count(std::string_view utf8) const;

private:
    // Calls `emit(rank)` for every token of one pre-tokenised piece.
    template <typename Emit>
    void encode_piece(std::string_view piece, Emit&& emit) const;

    Encoding m_encoding;
    std::shared_ptr<const RankMap> m_ranks;  // shared: copies of a tokenizer share the 200k-entry map
};

}  // namespace sb
