#pragma once
// Non-text content parts as the simulator reads them: inline data checked and sized, and the
// prompt tokens each part costs.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

enum class SimPartKind { image, audio, file };

// Prompt tokens of one non-text part: a base per kind plus its decoded size over a divisor,
// capped. A fixed stand-in for the providers' own pricing, so tests can predict usage:
//   image  85 + bytes / 750,   at most 1,600   (85: OpenAI's price of a low-detail image)
//   audio  50 + bytes / 1000,  at most 10,000
//   file  100 + bytes / 500,   at most 20,000  (PDFs and other documents)
// A part sent by reference (a URL or a file id) counts 0 bytes.
std::int64_t sim_part_tokens(SimPartKind kind, std::size_t bytes);

// The decoded size of standard base64 ('=' padding optional), or nullopt when the text is
// empty or not base64.
std::optional<std::size_t> sim_base64_size(std::string_view text);

struct SimDataUrl {
    std::string media_type;
    std::size_t bytes = 0;  // decoded
};
// "data:<media type>;base64,<data>"; nullopt when malformed or its data is not base64.
std::optional<SimDataUrl> sim_parse_data_url(std::string_view url);

bool sim_is_http_url(std::string_view url);

}  // namespace sb
