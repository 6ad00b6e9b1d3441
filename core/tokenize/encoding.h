#pragma once
// The BPE encodings Switchboard can count exactly. Their rank files are fetched by
// tools/fetch-tokenizers; the names double as the rank file stems.
#include <string_view>

namespace sb {

enum class Encoding { Cl100kBase, O200kBase };

constexpr std::string_view to_string(Encoding encoding) {
    return encoding == Encoding::O200kBase ? "o200k_base" : "cl100k_base";
}

}  // namespace sb
