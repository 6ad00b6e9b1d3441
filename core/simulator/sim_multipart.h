#pragma once
// multipart/form-data bodies (RFC 7578), as OpenAI's file upload receives them: the boundary
// comes from the Content-Type header (quoted or not), parts are separated by CRLF (a bare LF is
// accepted too), and each part names its field, and its file name when it is a file.
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb {

struct SimFormPart {
    std::string name;                     // Content-Disposition name
    std::optional<std::string> filename;  // set for a file field
    std::string content_type;             // the part's own Content-Type, empty when none
    std::string_view data;                // into the parsed body
};

// The boundary parameter of a multipart/form-data Content-Type; nullopt for any other type or
// when the boundary is missing or empty.
std::optional<std::string> sim_form_boundary(std::string_view content_type);

// The parts in body order; the error says what is malformed.
std::expected<std::vector<SimFormPart>, std::string> parse_sim_form(std::string_view boundary,
                                                                    std::string_view body);

}  // namespace sb
