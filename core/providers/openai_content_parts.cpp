#include "providers/openai_content_parts.h"

#include <cctype>

#include "model/json_string.h"
#include "providers/json_fields.h"

namespace sb {
namespace {

std::expected<ContentPart, Error> part_error(const std::string& path, std::string_view problem) {
    return std::unexpected(wire::bad_request(path, problem));
}

}  // namespace

bool is_web_url(std::string_view url) { return url.starts_with("https://") || url.starts_with("http://"); }

bool is_base64_text(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool padding = c == '=' && i + 2 >= text.size();
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || padding)) return false;
    }
    return true;
}

std::optional<DataUrl> parse_data_url(std::string_view url) {
    constexpr std::string_view scheme = "data:";
    constexpr std::string_view marker = ";base64,";
    if (!url.starts_with(scheme)) return std::nullopt;
    const auto comma = url.find(marker);
    if (comma == std::string_view::npos) return std::nullopt;
    DataUrl parsed{std::string(url.substr(scheme.size(), comma - scheme.size())),
                   std::string(url.substr(comma + marker.size()))};
    if (!is_base64_text(parsed.data_base64)) return std::nullopt;
    return parsed;
}

std::string data_url(const ContentPart& part) {
    return "data:" + part.media_type + ";base64," + part.data_base64;
}

std::expected<ContentPart, Error> content_part_from_openai(const nlohmann::json& part, const std::string& path) {
    if (!part.is_object()) return part_error(path, "must be an object");
    const auto type = wire::string_or_empty(part, "type");
    ContentPart read;
    if (type == "text") {
        read.text = wire::string_or_empty(part, "text");
        return read;
    }
    if (type == "image_url") {
        read.kind = ContentPart::Kind::Image;
        const auto* image = wire::field(part, "image_url");
        const auto url = image ? wire::string_or_empty(*image, "url") : std::string();
        read.detail = image ? wire::string_or_empty(*image, "detail") : std::string();
        if (auto data = parse_data_url(url)) {
            read.media_type = std::move(data->media_type);
            read.data_base64 = std::move(data->data_base64);
        } else if (is_web_url(url)) {
            read.url = url;
        } else {
            return part_error(path + ".image_url.url", "must be an http(s) URL or a base64 data: URL");
        }
        return read;
    }
    if (type == "input_audio") {
        read.kind = ContentPart::Kind::Audio;
        const auto* audio = wire::field(part, "input_audio");
        const auto format = audio ? wire::string_or_empty(*audio, "format") : std::string();
        read.data_base64 = audio ? wire::string_or_empty(*audio, "data") : std::string();
        if (format.empty()) return part_error(path + ".input_audio.format", "is missing (wav or mp3)");
        if (!is_base64_text(read.data_base64)) return part_error(path + ".input_audio.data", "must be base64");
        read.media_type = "audio/" + format;
        return read;
    }
    if (type == "file") {
        read.kind = ContentPart::Kind::File;
        const auto* file = wire::field(part, "file");
        if (!file) return part_error(path + ".file", "is missing");
        read.filename = wire::string_or_empty(*file, "filename");
        read.file_id = wire::string_or_empty(*file, "file_id");
        const auto data = wire::string_or_empty(*file, "file_data");
        if (auto parsed = parse_data_url(data)) {
            read.media_type = std::move(parsed->media_type);
            read.data_base64 = std::move(parsed->data_base64);
        } else if (!data.empty()) {
            if (!is_base64_text(data)) return part_error(path + ".file.file_data", "must be base64 or a data: URL");
            read.data_base64 = data;
            if (read.filename.ends_with(".pdf")) read.media_type = "application/pdf";
        } else if (read.file_id.empty()) {
            return part_error(path + ".file", "needs file_data or file_id");
        }
        return read;
    }
    return part_error(path + ".type", "unsupported content part " + wire::in_quotes(type));
}

void append_openai_part(std::string& out, const ContentPart& part) {
    switch (part.kind) {
    case ContentPart::Kind::Text:
        out.append("{\"type\":\"text\",\"text\":");
        append_json_string(out, part.text);
        out.push_back('}');
        return;
    case ContentPart::Kind::Image:
        out.append("{\"type\":\"image_url\",\"image_url\":{\"url\":");
        append_json_string(out, part.url.empty() ? data_url(part) : part.url);
        if (!part.detail.empty()) {
            out.append(",\"detail\":");
            append_json_string(out, part.detail);
        }
        out.append("}}");
        return;
    case ContentPart::Kind::Audio:
        out.append("{\"type\":\"input_audio\",\"input_audio\":{\"data\":");
        append_json_string(out, part.data_base64);
        out.append(",\"format\":");
        append_json_string(out, std::string_view(part.media_type).substr(part.media_type.find('/') + 1));
        out.append("}}");
        return;
    case ContentPart::Kind::File: {
        out.append("{\"type\":\"file\",\"file\":{");
        const char* separator = "";
        auto field = [&](std::string_view name, std::string_view value) {
            out.append(separator).append("\"").append(name).append("\":");
            append_json_string(out, value);
            separator = ",";
        };
        // Chat completions take no file by URL (provider_capabilities keeps such a part away).
        if (!part.data_base64.empty()) field("file_data", part.media_type.empty() ? part.data_base64 : data_url(part));
        if (!part.file_id.empty()) field("file_id", part.file_id);
        if (!part.filename.empty()) field("filename", part.filename);
        out.append("}}");
        return;
    }
    }
}

}  // namespace sb
