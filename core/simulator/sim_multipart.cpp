#include "simulator/sim_multipart.h"

#include <utility>

#include "model/text.h"

namespace sb {

namespace {

// A header value such as `form-data; name="file"; filename="a.jsonl"`: its leading token and
// its parameters, names lower-cased, quoted values unquoted.
struct SimFormHeader {
    std::string_view token;
    std::vector<std::pair<std::string, std::string>> params;

    const std::string* param(std::string_view name) const
    {
        for (const auto& [key, value] : params)
            if (key == name)
                return &value;
        return nullptr;
    }
};

SimFormHeader split_form_header(std::string_view text)
{
    SimFormHeader out;
    const auto semicolon = text.find(';');
    out.token = trim_space(text.substr(0, semicolon));
    std::size_t at = semicolon == std::string_view::npos ? text.size() : semicolon + 1;
    while (at < text.size()) {
        const auto end_of_name = text.find_first_of("=;", at);
        std::string name = to_lower(trim_space(text.substr(at, end_of_name - at)));
        at = end_of_name == std::string_view::npos ? text.size() : end_of_name;
        std::string value;
        if (at < text.size() && text[at] == '=') {
            ++at;
            while (at < text.size() && (text[at] == ' ' || text[at] == '\t'))
                ++at;
            if (at < text.size() && text[at] == '"') {
                // A quoted string; a backslash escapes the character after it.
                for (++at; at < text.size() && text[at] != '"'; ++at) {
                    if (text[at] == '\\' && at + 1 < text.size())
                        ++at;
                    value.push_back(text[at]);
                }
                at = text.find(';', at);
            } else {
                const auto end = text.find(';', at);
                value = trim_space(text.substr(at, end - at));
                at = end;
            }
        }
        if (!name.empty())
            out.params.emplace_back(std::move(name), std::move(value));
        if (at == std::string_view::npos)
            break;
        ++at;  // past ';'
    }
    return out;
}

// The end of the line starting at `at` (the index of its '\n'), and the line without its CR.
std::optional<std::pair<std::size_t, std::string_view>> form_line_at(std::string_view body, std::size_t at)
{
    const auto end = body.find('\n', at);
    if (end == std::string_view::npos)
        return std::nullopt;
    std::string_view line = body.substr(at, end - at);
    if (line.ends_with('\r'))
        line.remove_suffix(1);
    return std::pair{end, line};
}

}  // namespace

std::optional<std::string> sim_form_boundary(std::string_view content_type)
{
    const SimFormHeader value = split_form_header(content_type);
    if (!iequals(value.token, "multipart/form-data"))
        return std::nullopt;
    const std::string* boundary = value.param("boundary");
    // RFC 2046: 1 to 70 characters.
    if (!boundary || boundary->empty() || boundary->size() > 70)
        return std::nullopt;
    return *boundary;
}

std::expected<std::vector<SimFormPart>, std::string> parse_sim_form(std::string_view boundary,
                                                                    std::string_view body)
{
    const std::string delimiter = "--" + std::string(boundary);
    const std::string next_delimiter = "\n" + delimiter;
    // Anything before the first delimiter is a preamble and is ignored.
    std::size_t at = 0;
    if (!body.starts_with(delimiter)) {
        at = body.find(next_delimiter);
        if (at == std::string_view::npos)
            return std::unexpected("the body holds no part opened by the boundary '" + std::string(boundary) + "'");
        ++at;
    }
    std::vector<SimFormPart> parts;
    while (true) {
        at += delimiter.size();
        if (body.substr(at, 2) == "--")
            return parts;  // the closing delimiter
        const auto opening = form_line_at(body, at);
        if (!opening || !trim_space(opening->second).empty())
            return std::unexpected("a boundary line must end with a line break");
        at = opening->first + 1;

        SimFormPart part;
        bool named = false;
        while (true) {
            const auto header = form_line_at(body, at);
            if (!header)
                return std::unexpected("the headers of part " + std::to_string(parts.size() + 1)
                                       + " are not ended by a blank line");
            at = header->first + 1;
            const std::string_view line = header->second;
            if (line.empty())
                break;
            const auto colon = line.find(':');
            if (colon == std::string_view::npos)
                return std::unexpected("part " + std::to_string(parts.size() + 1) + " has a header line without ':'");
            const std::string_view name = trim_space(line.substr(0, colon));
            const std::string_view value = trim_space(line.substr(colon + 1));
            if (iequals(name, "content-disposition")) {
                const SimFormHeader disposition = split_form_header(value);
                if (!iequals(disposition.token, "form-data"))
                    return std::unexpected("part " + std::to_string(parts.size() + 1) + " is not form-data");
                if (const auto* field = disposition.param("name")) {
                    part.name = *field;
                    named = true;
                }
                if (const auto* filename = disposition.param("filename"))
                    part.filename = *filename;
            } else if (iequals(name, "content-type")) {
                part.content_type = std::string(value);
            }
        }
        if (!named)
            return std::unexpected("part " + std::to_string(parts.size() + 1) + " has no field name");

        // The data runs up to the line break before the next delimiter.
        const auto next = body.find(next_delimiter, at > 0 ? at - 1 : 0);
        if (next == std::string_view::npos)
            return std::unexpected("the body ends before the closing boundary");
        std::size_t end = next;
        if (end > at && body[end - 1] == '\r')
            --end;
        part.data = body.substr(at, end > at ? end - at : 0);
        parts.push_back(std::move(part));
        at = next + 1;
    }
}

}  // namespace sb
