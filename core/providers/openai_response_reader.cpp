#include "providers/openai_response_reader.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "providers/json_events.h"
#include "providers/json_fields.h"
#include "providers/openai_translation.h"

namespace sb {
namespace {

// Where in the body the parser is. Everything the response does not need is Skip.
enum class ResponseFrame {
    Root,
    Skip,
    Choices,
    FirstChoice,
    Message,
    ContentParts,
    Part,
    ToolCalls,
    ToolCall,
    Function,
    Usage,
    PromptDetails,
    CompletionDetails
};

enum class Scalar { Null, Boolean, Integer, Float, String };

// The events of one body, in order. Each value resets what it describes when its key is
// read, so a repeated key counts with its last value, as it does in a JSON tree.
class ResponseReader {
public:
    bool null() { return scalar(Scalar::Null), true; }
    bool boolean(bool) { return scalar(Scalar::Boolean), true; }
    bool number(const JsonNumber& number) {
        switch (number.kind) {
        case JsonNumber::Kind::Int64: scalar(Scalar::Integer, {}, number.int64); break;
        case JsonNumber::Kind::UInt64: scalar(Scalar::Integer, {}, static_cast<std::int64_t>(number.uint64)); break;
        case JsonNumber::Kind::Double:
            // Boost.JSON reads a number beyond double's range as infinity; a JSON tree refuses
            // the body, and so does this reader.
            if (!std::isfinite(number.real)) return false;
            scalar(Scalar::Float);
            break;
        }
        return true;
    }
    bool string(std::string_view text) { return scalar(Scalar::String, text), true; }
    bool open(bool object);
    bool close();
    bool key(std::string_view name);

    std::expected<ChatResponse, Error> result(int http_status);

private:
    enum class Content { Absent, Text, Parts, Invalid };
    enum class Calls { Absent, List, Invalid };

    ResponseFrame top() const { return m_stack.back(); }
    bool is(std::string_view name) const { return m_key == name; }
    void scalar(Scalar kind, std::string_view text = {}, std::int64_t integer = 0);
    void reset_choices();
    void reset_message();

    std::vector<ResponseFrame> m_stack;
    std::string m_key;  // the key whose value comes next, in the innermost object

    bool m_root_object = false;
    bool m_choices_array = false;
    std::size_t m_choices = 0;
    bool m_first_choice_object = false;
    bool m_message_object = false;
    Content m_content = Content::Absent;
    Calls m_calls = Calls::Absent;
    std::string m_part_type;
    std::string m_part_text;
    ToolCall m_call;
    bool m_call_has_function = false;
    std::string m_finish_reason;
    ChatResponse m_response;
};

void ResponseReader::reset_choices() {
    m_choices_array = false;
    m_choices = 0;
    m_first_choice_object = false;
    m_message_object = false;
    m_finish_reason.clear();
    reset_message();
}

void ResponseReader::reset_message() {
    m_content = Content::Absent;
    m_response.content.clear();
    m_calls = Calls::Absent;
    m_response.tool_calls.clear();
}

bool ResponseReader::key(std::string_view name) {
    m_key = name;
    auto& usage = m_response.usage;
    switch (top()) {
    case ResponseFrame::Root:
        if (is("id")) m_response.id.clear();
        else if (is("model")) m_response.model.clear();
        else if (is("choices")) reset_choices();
        else if (is("usage")) usage = {};
        break;
    case ResponseFrame::FirstChoice:
        if (is("message")) {
            m_message_object = false;
            reset_message();
        } else if (is("finish_reason")) {
            m_finish_reason.clear();
        }
        break;
    case ResponseFrame::Message:
        if (is("content")) {
            m_content = Content::Absent;
            m_response.content.clear();
        } else if (is("tool_calls")) {
            m_calls = Calls::Absent;
            m_response.tool_calls.clear();
        }
        break;
    case ResponseFrame::Part:
        if (is("type")) m_part_type.clear();
        else if (is("text")) m_part_text.clear();
        break;
    case ResponseFrame::ToolCall:
        if (is("id")) {
            m_call.id.clear();
        } else if (is("function")) {
            m_call_has_function = false;
            m_call.name.clear();
            m_call.arguments_json.clear();
        }
        break;
    case ResponseFrame::Function:
        if (is("name")) m_call.name.clear();
        else if (is("arguments")) m_call.arguments_json.clear();
        break;
    case ResponseFrame::Usage:
        if (is("prompt_tokens")) usage.input_tokens = 0;
        else if (is("completion_tokens")) usage.output_tokens = 0;
        else if (is("prompt_tokens_details")) usage.cached_input_tokens = 0;
        else if (is("completion_tokens_details")) usage.reasoning_tokens = 0;
        break;
    case ResponseFrame::PromptDetails:
        if (is("cached_tokens")) usage.cached_input_tokens = 0;
        break;
    case ResponseFrame::CompletionDetails:
        if (is("reasoning_tokens")) usage.reasoning_tokens = 0;
        break;
    default:
        break;
    }
    return true;
}

void ResponseReader::scalar(Scalar kind, std::string_view text, std::int64_t integer) {
    if (m_stack.empty()) return;  // a bare value: m_root_object stays false
    const bool is_string = kind == Scalar::String;
    auto& usage = m_response.usage;
    switch (top()) {
    case ResponseFrame::Root:
        if (is_string && is("id")) m_response.id = text;
        else if (is_string && is("model")) m_response.model = text;
        break;
    case ResponseFrame::Choices:
        ++m_choices;  // a first choice that is not an object has no message
        break;
    case ResponseFrame::FirstChoice:
        if (is_string && is("finish_reason")) m_finish_reason = text;
        break;
    case ResponseFrame::Message:
        if (is("content")) {
            if (is_string) {
                m_content = Content::Text;
                m_response.content = text;
            } else if (kind != Scalar::Null) {
                m_content = Content::Invalid;
            }
        } else if (is("tool_calls") && kind != Scalar::Null) {
            m_calls = Calls::Invalid;
        }
        break;
    case ResponseFrame::ContentParts:
        m_content = Content::Invalid;  // a part that is not an object has no type "text"
        break;
    case ResponseFrame::Part:
        if (is_string && is("type")) m_part_type = text;
        else if (is_string && is("text")) m_part_text = text;
        break;
    case ResponseFrame::ToolCalls:
        m_calls = Calls::Invalid;  // an entry that is not an object has no function
        break;
    case ResponseFrame::ToolCall:
        if (is_string && is("id")) m_call.id = text;
        break;
    case ResponseFrame::Function:
        if (is_string && is("name")) m_call.name = text;
        else if (is_string && is("arguments")) m_call.arguments_json = text;
        break;
    case ResponseFrame::Usage:
        if (kind == Scalar::Integer && is("prompt_tokens")) usage.input_tokens = integer;
        else if (kind == Scalar::Integer && is("completion_tokens")) usage.output_tokens = integer;
        break;
    case ResponseFrame::PromptDetails:
        if (kind == Scalar::Integer && is("cached_tokens")) usage.cached_input_tokens = integer;
        break;
    case ResponseFrame::CompletionDetails:
        if (kind == Scalar::Integer && is("reasoning_tokens")) usage.reasoning_tokens = integer;
        break;
    case ResponseFrame::Skip:
        break;
    }
}

bool ResponseReader::open(bool object) {
    if (m_stack.empty()) {
        m_root_object = object;
        m_stack.push_back(object ? ResponseFrame::Root : ResponseFrame::Skip);
        return true;
    }
    ResponseFrame next = ResponseFrame::Skip;
    switch (top()) {
    case ResponseFrame::Root:
        if (!object && is("choices")) {
            m_choices_array = true;
            next = ResponseFrame::Choices;
        } else if (object && is("usage")) {
            next = ResponseFrame::Usage;
        }
        break;
    case ResponseFrame::Choices:
        if (++m_choices == 1 && object) {
            m_first_choice_object = true;
            next = ResponseFrame::FirstChoice;
        }
        break;
    case ResponseFrame::FirstChoice:
        if (object && is("message")) {
            m_message_object = true;
            next = ResponseFrame::Message;
        }
        break;
    case ResponseFrame::Message:
        if (is("content")) {
            m_content = object ? Content::Invalid : Content::Parts;
            if (!object) next = ResponseFrame::ContentParts;
        } else if (is("tool_calls")) {
            m_calls = object ? Calls::Invalid : Calls::List;
            if (!object) next = ResponseFrame::ToolCalls;
        }
        break;
    case ResponseFrame::ContentParts:
        if (object) {
            m_part_type.clear();
            m_part_text.clear();
            next = ResponseFrame::Part;
        } else {
            m_content = Content::Invalid;
        }
        break;
    case ResponseFrame::ToolCalls:
        if (object) {
            m_call = {};
            m_call_has_function = false;
            next = ResponseFrame::ToolCall;
        } else {
            m_calls = Calls::Invalid;
        }
        break;
    case ResponseFrame::ToolCall:
        if (object && is("function")) {
            m_call_has_function = true;
            next = ResponseFrame::Function;
        }
        break;
    case ResponseFrame::Usage:
        if (object && is("prompt_tokens_details")) next = ResponseFrame::PromptDetails;
        else if (object && is("completion_tokens_details")) next = ResponseFrame::CompletionDetails;
        break;
    default:
        break;
    }
    m_stack.push_back(next);
    return true;
}

bool ResponseReader::close() {
    const ResponseFrame done = top();
    m_stack.pop_back();
    if (done == ResponseFrame::Part) {
        if (m_part_type != "text") m_content = Content::Invalid;
        else if (m_content == Content::Parts) m_response.content += m_part_text;
    } else if (done == ResponseFrame::ToolCall) {
        if (!m_call_has_function) m_calls = Calls::Invalid;
        else if (m_calls == Calls::List) m_response.tool_calls.push_back(std::move(m_call));
    }
    return true;
}

std::expected<ChatResponse, Error> ResponseReader::result(int http_status) {
    auto malformed = [http_status](std::string_view problem) {
        auto error = wire::make_error(ErrorClass::MalformedResponse, "OpenAI response " + std::string(problem));
        error.http_status = http_status;
        return std::unexpected(std::move(error));
    };
    if (!m_root_object) return malformed("is not a JSON object");
    if (!m_choices_array || m_choices == 0) return malformed("has no choices[0]");
    if (!m_first_choice_object || !m_message_object) return malformed("has no choices[0].message");
    if (m_content == Content::Invalid)
        return malformed("choices[0].message.content is neither text nor text parts");
    if (m_calls == Calls::Invalid) return malformed("choices[0].message.tool_calls has an entry without a function");
    m_response.finish_reason = normalise_openai_finish_reason(m_finish_reason);
    return std::move(m_response);
}

}  // namespace

std::expected<ChatResponse, Error> chat_response_from_openai(std::string_view body, int http_status) {
    boost::json::parse_options options;
    options.max_depth = std::numeric_limits<std::size_t>::max();  // its stack is on the heap
    options.allow_invalid_utf8 = true;  // the body is valid UTF-8 already (model/utf8.h)
    boost::json::basic_parser<JsonEvents<ResponseReader>> parser(options);
    const std::string_view bom = "\xEF\xBB\xBF";  // tolerated at the start, as JSON readers do
    const std::string_view text = body.starts_with(bom) ? body.substr(bom.size()) : body;
    boost::system::error_code ec;
    const auto used = parser.write_some(false, text.data(), text.size(), ec);
    if (ec || used != text.size() || !parser.done()) {
        auto error = wire::make_error(ErrorClass::MalformedResponse,
                                      "OpenAI response body is not JSON (HTTP " + std::to_string(http_status) +
                                          ", " + std::to_string(body.size()) + " bytes)");
        error.http_status = http_status;
        return std::unexpected(std::move(error));
    }
    return parser.handler().reader.result(http_status);
}

}  // namespace sb
