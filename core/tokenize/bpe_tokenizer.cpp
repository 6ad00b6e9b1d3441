#include "tokenize/bpe_tokenizer.h"

#include <limits>
#include <queue>
#include <tuple>

#include "tokenize/pretokenizer.h"

namespace sb {

namespace {

constexpr std::uint32_t kNoRank = RankMap::kNoRank;

// Above this many bytes a piece is merged with a heap instead of tiktoken's quadratic scan,
// so one huge "word" (a base64 blob, a run of '=') cannot stall a request thread.
constexpr std::size_t kHeapMergeFrom = 256;

std::uint32_t rank_of(const RankMap& ranks, std::string_view bytes) { return ranks.rank(bytes); }

// tiktoken's _byte_pair_merge: repeatedly merge the adjacent pair of lowest rank (leftmost
// on ties). Returns the start offsets of the final parts, with the piece length appended.
std::vector<std::size_t> merge_scan(const RankMap& ranks, std::string_view piece) {
    struct Part {
        std::size_t start;
        std::uint32_t rank;  // rank of this part merged with the next one
    };
    std::vector<Part> parts;
    parts.reserve(piece.size() + 1);
    for (std::size_t i = 0; i + 1 < piece.size(); ++i) parts.push_back({i, rank_of(ranks, piece.substr(i, 2))});
    parts.push_back({piece.size() - 1, kNoRank});
    parts.push_back({piece.size(), kNoRank});
    const auto pair_rank = [&](std::size_t i) {
        if (i + 3 >= parts.size()) return kNoRank;
        return rank_of(ranks, piece.substr(parts[i].start, parts[i + 3].start - parts[i].start));
    };
    for (;;) {
        std::uint32_t best = kNoRank;
        std::size_t at = 0;
        for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
            if (parts[i].rank < best) best = parts[i].rank, at = i;
        }
        if (best == kNoRank) break;
        if (at > 0) parts[at - 1].rank = pair_rank(at - 1);
        parts[at].rank = pair_rank(at);
        parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(at) + 1);
    }
    std::vector<std::size_t> starts;
    starts.reserve(parts.size());
    for (const auto& part : parts) starts.push_back(part.start);
    return starts;
}

// The same merge order with a linked list and a min-heap of (rank, start): O(n log n).
// Ordering by start on equal ranks reproduces the scan's leftmost choice.
std::vector<std::size_t> merge_heap(const RankMap& ranks, std::string_view piece) {
    const std::size_t n = piece.size();
    constexpr std::size_t kEnd = std::numeric_limits<std::size_t>::max();
    std::vector<std::size_t> next(n), prev(n);
    std::vector<std::uint32_t> rank(n, kNoRank);
    std::vector<bool> alive(n, true);
    for (std::size_t i = 0; i < n; ++i) {
        next[i] = i + 1 < n ? i + 1 : kEnd;
        prev[i] = i > 0 ? i - 1 : kEnd;
    }
    const auto end_of = [&](std::size_t node) { return next[node] == kEnd ? n : next[node]; };
    const auto pair_rank = [&](std::size_t node) {
        if (node == kEnd || next[node] == kEnd) return kNoRank;
        return rank_of(ranks, piece.substr(node, end_of(next[node]) - node));
    };
    using Entry = std::tuple<std::uint32_t, std::size_t>;  // (rank, node = start offset)
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
    for (std::size_t i = 0; i < n; ++i) {
        rank[i] = pair_rank(i);
        if (rank[i] != kNoRank) heap.emplace(rank[i], i);
    }
    while (!heap.empty()) {
        const auto [r, node] = heap.top();
        heap.pop();
        if (!alive[node] || rank[node] != r) continue;  // stale entry
        const std::size_t gone = next[node];
        alive[gone] = false;
        next[node] = next[gone];
        if (next[gone] != kEnd) prev[next[gone]] = node;
        rank[node] = pair_rank(node);
        if (rank[node] != kNoRank) heap.emplace(rank[node], node);
        if (const std::size_t before = prev[node]; before != kEnd) {
            rank[before] = pair_rank(before);
            if (rank[before] != kNoRank) heap.emplace(rank[before], before);
        }
    }
    std::vector<std::size_t> starts;
    for (std::size_t node = 0; node != kEnd; node = next[node]) starts.push_back(node);
    starts.push_back(n);
    return starts;
}

}  // namespace

std::expected<BpeTokenizer, std::string> BpeTokenizer::load(Encoding encoding,
                                                            const std::filesystem::path& rank_file) {
    auto ranks = load_rank_file(rank_file);
    if (!ranks) return std::unexpected(ranks.error());
    // Every single byte must have a rank, or merging could leave a part with no token.
    for (int b = 0; b < 256; ++b) {
        const char byte = static_cast<char>(b);
        if (!ranks->contains(std::string_view(&byte, 1)))
            return std::unexpected(rank_file.string() + ": no rank for byte " + std::to_string(b));
    }
    return BpeTokenizer(encoding, std::move(*ranks));
}

BpeTokenizer::BpeTokenizer(Encoding encoding, RankMap ranks)
    : m_encoding(encoding), m_ranks(std::make_shared<const RankMap>(std::move(ranks))) {}

template <typename Emit>
void BpeTokenizer::encode_piece(std::string_view piece, Emit&& emit) const {
    const RankMap& ranks = *m_ranks;
    if (const std::uint32_t whole = rank_of(ranks, piece); whole != kNoRank) {
        emit(whole);
        return;
    }
    const auto starts = piece.size() >= kHeapMergeFrom ? merge_heap(ranks, piece) : merge_scan(ranks, piece);
    for (std::size_t k = 0; k + 1 < starts.size(); ++k) {
        const std::uint32_t rank = rank_of(ranks, piece.substr(starts[k], starts[k + 1] - starts[k]));
        // A part is always a single byte or a merge result, so it has a rank; guard anyway
        // against a rank file without every byte (load() rejects those).
        emit(rank == kNoRank ? 0 : rank);
    }
}

std::vector<std::uint32_t> BpeTokenizer::encode(std::string_view utf8) const {
    std::vector<std::uint32_t> tokens;
    tokens.reserve(utf8.size() / 3 + 1);
    std::vector<std::string_view> pieces;
    pretokenize(m_encoding, utf8, pieces);
    for (const auto piece : pieces) encode_piece(piece, [&](std::uint32_t rank) { tokens.push_back(rank); });
    return tokens;
}

std::size_t BpeTokenizer::count(std::string_view utf8) const {
    std::size_t tokens = 0;
    std::vector<std::string_view> pieces;
    pretokenize(m_encoding, utf8, pieces);
    for (const auto piece : pieces) encode_piece(piece, [&](std::uint32_t) { ++tokens; });
    return tokens;
}

}  // namespace sb
