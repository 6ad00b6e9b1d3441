#include "model/error_body.h"

#include <algorithm>
#include <cctype>

#include "model/json_depth.h"
#include "model/text.h"

namespace sb::detail {
namespace {

constexpr std::size_t kMaxHtmlText = 160;
// An unmasked key is a long run of key characters after "sk-"; masked ones contain '*'.
constexpr std::size_t kMinKeyRun = 24;

bool is_space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}
bool is_key_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}

std::string string_field(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// error.code is a string for OpenAI, an integer behind Cloudflare (502) and for vLLM.
std::string code_field(const nlohmann::json& object) {
    auto it = object.find("code");
    if (it == object.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number()) return it->dump();
    return {};
}

std::string_view json_kind(const nlohmann::json& json) {
    if (json.is_array()) return "an array";
    if (json.is_string()) return "a string";
    if (json.is_number()) return "a number";
    if (json.is_boolean()) return "a boolean";
    return "null";
}

std::string strip_tags(std::string_view html) {
    std::string text;
    bool in_tag = false;
    for (char c : html) {
        if (c == '<') {
            in_tag = true;
            text += ' ';
        } else if (c == '>') {
            in_tag = false;
        } else if (!in_tag) {
            text += c;
        }
    }
    return text;
}

// A gateway page: its <title>, else its text without tags.
std::string html_text(std::string_view page) {
    auto open = ifind(page, "<title");
    if (open != std::string_view::npos) {
        auto start = page.find('>', open);
        auto end = ifind(page, "</title", open);
        if (start != std::string_view::npos && end != std::string_view::npos && start < end) {
            auto title = clean_message(page.substr(start + 1, end - start - 1), kMaxHtmlText);
            if (!title.empty()) return title;
        }
    }
    return clean_message(strip_tags(page), kMaxHtmlText);
}

void mask_keys(std::string& text) {
    for (std::size_t i = text.find("sk-"); i != std::string::npos; i = text.find("sk-", i + 3)) {
        if (i > 0 && is_key_char(text[i - 1])) continue;
        std::size_t end = i + 3;
        while (end < text.size() && is_key_char(text[end])) ++end;
        if (end - i >= kMinKeyRun) text.replace(i, end - i, "sk-***");
    }
}

}  // namespace

std::string clean_message(std::string_view text, std::size_t limit) {
    std::string out;
    out.reserve(std::min(text.size(), limit + 8));
    bool pending_space = false;
    // Collapsing runs first keeps the cap about what a reader sees, not about padding.
    for (char c : trim_space(text)) {
        if (is_space(c)) {
            pending_space = true;
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += c;
        if (out.size() > limit + kMinKeyRun) break;
    }
    mask_keys(out);
    if (out.size() <= limit) return out;
    std::size_t cut = limit;
    // Never split a UTF-8 sequence: back up over continuation bytes.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "…";
    return out;
}

ErrorBody read_error_json(const nlohmann::json& json) {
    ErrorBody out;
    if (!json.is_object()) {
        out.shape_problem = "JSON body is " + std::string(json_kind(json)) + ", not an object";
        if (!json_deeper_than(json)) out.message = clean_message(json.dump(), kMaxHtmlText);
        return out;
    }
    out.request_id = string_field(json, "request_id");
    auto error = json.find("error");
    if (error != json.end() && error->is_object()) {
        out.type = string_field(*error, "type");
        out.code = code_field(*error);
        out.message = clean_message(string_field(*error, "message"));
        auto details = error->find("details");
        if (details != error->end() && details->is_object()) {
            auto detail_code = string_field(*details, "error_code");
            if (!detail_code.empty()) out.code = detail_code;
        }
        return out;
    }
    if (error != json.end() && error->is_string()) {  // Ollama's native API
        out.message = clean_message(error->get<std::string>());
        return out;
    }
    // vLLM and llama.cpp answer with a flat object; Anthropic's "type":"error" is the envelope tag.
    out.type = string_field(json, "type");
    if (out.type == "error") out.type.clear();
    out.code = code_field(json);
    out.message = clean_message(string_field(json, "message"));
    if (out.type.empty() && out.code.empty() && out.message.empty())
        out.shape_problem = "JSON body has no error object";
    return out;
}

ErrorBody read_error_body(std::string_view body) {
    auto trimmed = trim_space(body);
    if (trimmed.empty()) {
        ErrorBody out;
        out.shape_problem = "empty body";
        return out;
    }
    auto json = nlohmann::json::parse(trimmed, nullptr, false);
    if (json.is_discarded()) {
        ErrorBody out;
        bool html = trimmed.front() == '<';
        out.shape_problem = html ? "HTML body" : "body is not JSON";
        out.message = html ? html_text(trimmed) : clean_message(trimmed, kMaxHtmlText);
        return out;
    }
    return read_error_json(json);
}

}  // namespace sb::detail
