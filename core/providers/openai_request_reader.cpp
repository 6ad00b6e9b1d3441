#include "providers/openai_request_reader.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "providers/json_events.h"
#include "providers/json_fields.h"

namespace sb {
namespace {

// Where in the body the parser is. Skip: a value the request does not keep.
enum class RequestFrame { Root, Messages, Message, Parts, Part, ToolCalls, ToolCall, Function, Stop, StreamOptions, Skip };

// The keys each object knows; Other is a key it ignores (or, at the root, declines).
enum class Key : std::uint8_t {
    None,
    Other,
    Model,
    Messages,
    Temperature,
    TopP,
    MaxTokens,
    MaxCompletionTokens,
    Stop,
    Stream,
    StreamOptions,
    N,
    Role,
    Content,
    Name,
    ToolCalls,
    ToolCallId,
    Type,
    Text,
    Id,
    Function,
    Arguments,
    IncludeUsage,
};

Key key_in(RequestFrame frame, std::string_view name) {
    struct Known {
        std::string_view name;
        Key key;
    };
    static constexpr Known kRoot[] = {{"model", Key::Model},
                                      {"messages", Key::Messages},
                                      {"temperature", Key::Temperature},
                                      {"top_p", Key::TopP},
                                      {"max_tokens", Key::MaxTokens},
                                      {"max_completion_tokens", Key::MaxCompletionTokens},
                                      {"stop", Key::Stop},
                                      {"stream", Key::Stream},
                                      {"stream_options", Key::StreamOptions},
                                      {"n", Key::N}};
    static constexpr Known kMessage[] = {{"role", Key::Role},
                                         {"content", Key::Content},
                                         {"name", Key::Name},
                                         {"tool_calls", Key::ToolCalls},
                                         {"tool_call_id", Key::ToolCallId}};
    static constexpr Known kPart[] = {{"type", Key::Type}, {"text", Key::Text}};
    static constexpr Known kToolCall[] = {{"id", Key::Id}, {"function", Key::Function}};
    static constexpr Known kFunction[] = {{"name", Key::Name}, {"arguments", Key::Arguments}};
    static constexpr Known kStreamOptions[] = {{"include_usage", Key::IncludeUsage}};
    auto find = [name](const auto& known) {
        for (const Known& entry : known)
            if (entry.name == name) return entry.key;
        return Key::Other;
    };
    switch (frame) {
    case RequestFrame::Root: return find(kRoot);
    case RequestFrame::Message: return find(kMessage);
    case RequestFrame::Part: return find(kPart);
    case RequestFrame::ToolCall: return find(kToolCall);
    case RequestFrame::Function: return find(kFunction);
    case RequestFrame::StreamOptions: return find(kStreamOptions);
    default: return Key::Other;
    }
}

// A JSON number as the tree reads it: an integer converted to double, a fraction by strtod
// (correctly rounded, as from_chars is). Nothing when the tree would refuse it (beyond
// double's range).
std::optional<double> real_of(const JsonNumber& number) {
    if (number.kind == JsonNumber::Kind::Int64) return static_cast<double>(number.int64);
    if (number.kind == JsonNumber::Kind::UInt64) return static_cast<double>(number.uint64);
    double value = 0;
    const char* end = number.text.data() + number.text.size();
    const auto [stop, ec] = std::from_chars(number.text.data(), end, value);
    if (ec != std::errc{} || stop != end || !std::isfinite(value)) return std::nullopt;
    return value;
}

// Each handler returns false to decline the body.
class RequestReader {
public:
    bool open(bool object);
    bool close();
    bool key(std::string_view name);
    bool string(std::string_view text);
    bool number(const JsonNumber& number);
    bool boolean(bool value);
    bool null();

    std::optional<OpenAIRequestRead> result();

private:
    struct Level {
        RequestFrame frame;
        Key key = Key::None;     // the key whose value comes next
        std::uint32_t seen = 0;  // known keys read so far in this object
    };
    Level& top() { return m_stack.back(); }
    bool enter(RequestFrame frame) {
        m_stack.push_back({frame});
        return true;
    }
    // A string field read as the tree's string_or_empty does.
    static void text_or_empty(std::string& into, std::string_view text, bool is_string) {
        into = is_string ? std::string(text) : std::string{};
    }
    // `number`, when the value is one, with `real` its value as the tree reads it.
    bool scalar(std::string_view text, bool is_string, bool is_null, const JsonNumber* number = nullptr,
                double real = 0);

    std::vector<Level> m_stack;
    bool m_root_seen = false;
    OpenAIRequestRead m_read;
    bool m_messages = false;
    Message m_message;
    std::string m_role;
    bool m_role_is_string = false;
    std::string m_part_type;
    std::string m_part_text;
    ToolCall m_call;
    bool m_call_has_function = false;
    std::optional<double> m_max_tokens;
    std::optional<double> m_max_completion_tokens;
};

bool RequestReader::key(std::string_view name) {
    Level& level = top();
    level.key = key_in(level.frame, name);
    if (level.key == Key::Other) return level.frame != RequestFrame::Root;  // a field passed through
    const std::uint32_t bit = 1u << static_cast<unsigned>(level.key);
    if (level.seen & bit) return false;  // given twice: the tree keeps the last one
    level.seen |= bit;
    return true;
}

bool RequestReader::open(bool object) {
    if (m_stack.empty()) {
        m_root_seen = object;
        return object && enter(RequestFrame::Root);
    }
    Level& level = top();
    switch (level.frame) {
    case RequestFrame::Root:
        switch (level.key) {
        case Key::Messages: return !object && (m_messages = true) && enter(RequestFrame::Messages);
        case Key::Stop: return enter(object ? RequestFrame::Skip : RequestFrame::Stop);  // an object stop is ignored
        case Key::StreamOptions: return object && enter(RequestFrame::StreamOptions);
        default: return false;  // a number, string or flag given as an array or object
        }
    case RequestFrame::Messages:
        if (!object) return false;
        m_message = {};
        m_role.clear();
        m_role_is_string = false;
        return enter(RequestFrame::Message);
    case RequestFrame::Message:
        switch (level.key) {
        case Key::Content: return !object && enter(RequestFrame::Parts);
        case Key::ToolCalls: return !object && enter(RequestFrame::ToolCalls);
        case Key::Role: return false;
        case Key::Name: m_message.name.clear(); return enter(RequestFrame::Skip);
        case Key::ToolCallId: m_message.tool_call_id.clear(); return enter(RequestFrame::Skip);
        default: return enter(RequestFrame::Skip);
        }
    case RequestFrame::Parts:
        if (!object) return false;
        m_part_type.clear();
        m_part_text.clear();
        return enter(RequestFrame::Part);
    case RequestFrame::ToolCalls:
        if (!object) return false;
        m_call = {};
        m_call_has_function = false;
        return enter(RequestFrame::ToolCall);
    case RequestFrame::ToolCall:
        if (level.key == Key::Function) return object && (m_call_has_function = true) && enter(RequestFrame::Function);
        return enter(RequestFrame::Skip);  // a non-string id reads as ""; other keys are ignored
    case RequestFrame::Part:
    case RequestFrame::Function:
    case RequestFrame::Stop:
    case RequestFrame::StreamOptions:
    case RequestFrame::Skip:
        return enter(RequestFrame::Skip);  // non-string text, name, arguments or stop entries read as ""
    }
    return false;
}

bool RequestReader::close() {
    const RequestFrame done = top().frame;
    m_stack.pop_back();
    switch (done) {
    case RequestFrame::Message: {
        const auto role = m_role_is_string ? role_from_string(m_role) : std::nullopt;
        if (!role) return false;
        m_message.role = *role;
        m_read.request.messages.push_back(std::move(m_message));
        return true;
    }
    case RequestFrame::Part:
        if (m_part_type != "text") return false;
        m_message.content += m_part_text;
        return true;
    case RequestFrame::ToolCall:
        if (!m_call_has_function) return false;
        m_message.tool_calls.push_back(std::move(m_call));
        return true;
    default:
        return true;
    }
}

bool RequestReader::string(std::string_view text) { return scalar(text, true, false); }
bool RequestReader::null() { return scalar({}, false, true); }
bool RequestReader::boolean(bool value) {
    if (!m_stack.empty() && top().frame == RequestFrame::Root && top().key == Key::Stream) {
        m_read.request.stream = value;
        return true;
    }
    if (!m_stack.empty() && top().frame == RequestFrame::StreamOptions && top().key == Key::IncludeUsage) {
        m_read.include_usage = value;
        return true;
    }
    return scalar({}, false, false);
}
bool RequestReader::number(const JsonNumber& number) {
    // A number the tree refuses (beyond double's range) declines the body wherever it is.
    const auto real = real_of(number);
    return real && scalar({}, false, false, &number, *real);
}

bool RequestReader::scalar(std::string_view text, bool is_string, bool is_null, const JsonNumber* number,
                           double real) {
    if (m_stack.empty()) return false;  // a bare value, not an object
    Level& level = top();
    switch (level.frame) {
    case RequestFrame::Root:
        switch (level.key) {
        case Key::Model:
            if (!is_string && !is_null) return false;
            m_read.request.model = text;
            return true;
        case Key::Temperature:
        case Key::TopP:
        case Key::MaxTokens:
        case Key::MaxCompletionTokens: {
            if (is_null) return true;
            if (!number) return false;
            if (level.key == Key::Temperature) m_read.request.temperature = real;
            else if (level.key == Key::TopP) m_read.request.top_p = real;
            else if (level.key == Key::MaxTokens) m_max_tokens = real;
            else m_max_completion_tokens = real;
            return true;
        }
        case Key::Stop:
            if (is_string) m_read.request.stop.emplace_back(text);
            return true;  // a number or flag as stop is ignored
        case Key::N:
            // Only one choice: null, or the integer 1.
            return is_null || (number && number->kind != JsonNumber::Kind::Double && number->text == "1");
        case Key::Stream:
        case Key::StreamOptions:
            return is_null;  // a boolean stream was read above
        default:
            return false;  // messages as a scalar
        }
    case RequestFrame::Messages:
    case RequestFrame::Parts:
    case RequestFrame::ToolCalls:
        return false;  // an entry that is not an object
    case RequestFrame::Message:
        switch (level.key) {
        case Key::Role:
            m_role_is_string = is_string;
            m_role = text;
            return is_string;
        case Key::Content:
            if (!is_string && !is_null) return false;
            m_message.content = text;
            return true;
        case Key::Name: text_or_empty(m_message.name, text, is_string); return true;
        case Key::ToolCallId: text_or_empty(m_message.tool_call_id, text, is_string); return true;
        case Key::ToolCalls: return is_null;
        default: return true;
        }
    case RequestFrame::Part:
        if (level.key == Key::Type) text_or_empty(m_part_type, text, is_string);
        else if (level.key == Key::Text) text_or_empty(m_part_text, text, is_string);
        return true;
    case RequestFrame::ToolCall:
        if (level.key == Key::Function) return false;  // a function that is not an object
        if (level.key == Key::Id) text_or_empty(m_call.id, text, is_string);
        return true;
    case RequestFrame::Function:
        if (level.key == Key::Name) text_or_empty(m_call.name, text, is_string);
        else if (level.key == Key::Arguments) text_or_empty(m_call.arguments_json, text, is_string);
        return true;
    case RequestFrame::Stop:
        if (is_string) m_read.request.stop.emplace_back(text);
        return true;
    case RequestFrame::StreamOptions:
        if (level.key == Key::IncludeUsage) m_read.include_usage = false;  // not a boolean
        return true;
    case RequestFrame::Skip:
        return true;
    }
    return false;
}

std::optional<OpenAIRequestRead> RequestReader::result() {
    if (!m_root_seen || !m_messages || m_read.request.messages.empty()) return std::nullopt;
    // max_completion_tokens wins over the older max_tokens, as in the tree's reading.
    const auto max_tokens = m_max_completion_tokens ? m_max_completion_tokens : m_max_tokens;
    if (max_tokens) {
        m_read.request.max_tokens = wire::to_int(*max_tokens);
        if (!m_read.request.max_tokens) return std::nullopt;
    }
    return std::move(m_read);
}

}  // namespace

std::optional<OpenAIRequestRead> read_plain_openai_request(std::string_view body) {
    boost::json::parse_options options;
    options.max_depth = 64;  // deep enough for any real request; deeper bodies go to the tree
    boost::json::basic_parser<JsonEvents<RequestReader>> parser(options);
    boost::system::error_code ec;
    const auto used = parser.write_some(false, body.data(), body.size(), ec);
    if (ec || used != body.size() || !parser.done()) return std::nullopt;
    return parser.handler().reader.result();
}

}  // namespace sb
