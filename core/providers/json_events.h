#pragma once
// Boost.JSON's parser events handed to a reader in whole pieces: strings, keys and numbers
// that arrive in parts are put together first. A reader returns false to stop the parse
// (write_some then reports an error), e.g. when it has seen enough to know it cannot help.
//
// The Reader provides: bool open(bool object), close(), key(std::string_view),
// string(std::string_view), number(const JsonNumber&), boolean(bool), null().
#include <boost/json/basic_parser_impl.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace sb {

struct JsonNumber {
    enum class Kind { Int64, UInt64, Double } kind;
    std::int64_t int64 = 0;
    std::uint64_t uint64 = 0;
    double real = 0;
    std::string_view text;  // as written in the body
};

template <class Reader>
struct JsonEvents {
    using error_code = boost::system::error_code;
    using string_view = boost::json::string_view;
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);

    static std::string_view view(string_view text) { return {text.data(), text.size()}; }
    std::string_view whole(std::string& parts, string_view last) {
        if (parts.empty()) return view(last);
        parts.append(last.data(), last.size());
        return parts;
    }
    bool stopped(bool go_on, error_code& ec) {
        if (!go_on) ec = boost::json::error::extra_data;  // any error ends write_some
        return go_on;
    }
    bool number(JsonNumber number, string_view last, error_code& ec) {
        number.text = whole(number_parts, last);
        const bool go_on = reader.number(number);
        number_parts.clear();
        return stopped(go_on, ec);
    }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }
    bool on_array_begin(error_code& ec) { return stopped(reader.open(false), ec); }
    bool on_array_end(std::size_t, error_code& ec) { return stopped(reader.close(), ec); }
    bool on_object_begin(error_code& ec) { return stopped(reader.open(true), ec); }
    bool on_object_end(std::size_t, error_code& ec) { return stopped(reader.close(), ec); }
    bool on_string_part(string_view part, std::size_t, error_code&) {
        return text_parts.append(part.data(), part.size()), true;
    }
    bool on_string(string_view last, std::size_t, error_code& ec) {
        const bool go_on = reader.string(whole(text_parts, last));
        text_parts.clear();
        return stopped(go_on, ec);
    }
    bool on_key_part(string_view part, std::size_t, error_code&) {
        return key_parts.append(part.data(), part.size()), true;
    }
    bool on_key(string_view last, std::size_t, error_code& ec) {
        const bool go_on = reader.key(whole(key_parts, last));
        key_parts.clear();
        return stopped(go_on, ec);
    }
    bool on_number_part(string_view part, error_code&) {
        return number_parts.append(part.data(), part.size()), true;
    }
    bool on_int64(std::int64_t value, string_view last, error_code& ec) {
        return number({JsonNumber::Kind::Int64, value, 0, 0, {}}, last, ec);
    }
    bool on_uint64(std::uint64_t value, string_view last, error_code& ec) {
        return number({JsonNumber::Kind::UInt64, 0, value, 0, {}}, last, ec);
    }
    bool on_double(double value, string_view last, error_code& ec) {
        return number({JsonNumber::Kind::Double, 0, 0, value, {}}, last, ec);
    }
    bool on_bool(bool value, error_code& ec) { return stopped(reader.boolean(value), ec); }
    bool on_null(error_code& ec) { return stopped(reader.null(), ec); }
    bool on_comment_part(string_view, error_code&) { return true; }
    bool on_comment(string_view, error_code&) { return true; }

    Reader reader;
    std::string text_parts;
    std::string key_parts;
    std::string number_parts;
};

}  // namespace sb
