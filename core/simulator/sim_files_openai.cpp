#include "simulator/sim_files_openai.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "simulator/sim_multipart.h"
#include "simulator/sim_request_common.h"
#include "simulator/sim_route.h"
#include "simulator/sim_wire.h"

namespace sb {

namespace {

using ojson = nlohmann::ordered_json;

constexpr std::array<std::string_view, 6> kFilePurposes = {"assistants", "batch", "fine-tune", "vision", "user_data",
                                                       "evals"};
constexpr std::int64_t kBatchFileLifetimeS = 30 * 24 * 3600;  // batch files expire after 30 days
constexpr std::int64_t kFileMinLifetimeS = 3600;
constexpr std::int64_t kFileMaxLifetimeS = 30 * 24 * 3600;

SimResponse files_refuse(std::string message, std::string param, std::uint64_t entropy)
{
    return openai_refusal(SimOutcome::bad_request, std::move(message), std::move(param), entropy);
}

SimResponse no_such_file(std::string_view id, std::uint64_t entropy)
{
    return openai_refusal(SimOutcome::not_found, "No such File object: " + std::string(id), "id", entropy);
}

ojson openai_file_object(const SimFile& file)
{
    return ojson{{"id", file.id},
                 {"object", "file"},
                 {"bytes", file.content->size()},
                 {"created_at", file.created_at},
                 {"expires_at", file.expires_at ? ojson(*file.expires_at) : ojson(nullptr)},
                 {"filename", file.filename},
                 {"purpose", file.purpose},
                 {"status", "processed"},
                 {"status_details", nullptr}};
}

const SimFormPart* form_field(const std::vector<SimFormPart>& parts, std::string_view name)
{
    for (const auto& part : parts)
        if (part.name == name)
            return &part;
    return nullptr;
}

// expires_after[anchor] and expires_after[seconds]: both or neither; nullopt lifetime: never.
std::expected<std::optional<std::int64_t>, SimBadRequest> read_file_lifetime(
    const std::vector<SimFormPart>& parts, std::string_view purpose)
{
    const SimFormPart* anchor = form_field(parts, "expires_after[anchor]");
    const SimFormPart* seconds = form_field(parts, "expires_after[seconds]");
    if (!anchor && !seconds)
        return purpose == "batch" ? std::optional(kBatchFileLifetimeS) : std::nullopt;
    if (!anchor)
        return sim_refuse(sim_openai_missing("expires_after.anchor"), "expires_after.anchor");
    if (!seconds)
        return sim_refuse(sim_openai_missing("expires_after.seconds"), "expires_after.seconds");
    if (anchor->data != "created_at")
        return sim_refuse(sim_openai_invalid_value("expires_after.anchor", anchor->data, "'created_at'"),
                          "expires_after.anchor");
    std::int64_t value = 0;
    const auto* end = seconds->data.data() + seconds->data.size();
    const auto [stop, ec] = std::from_chars(seconds->data.data(), end, value);
    if (ec != std::errc() || stop != end || value < kFileMinLifetimeS || value > kFileMaxLifetimeS)
        return sim_refuse("Invalid 'expires_after.seconds': expected an integer from 3600 to 2592000.",
                          "expires_after.seconds");
    return std::optional(value);
}

SimResponse upload_file(const SimRequest& request, SimFileStore& files, std::uint64_t entropy)
{
    const auto boundary = sim_form_boundary(request.content_type);
    if (!boundary)
        return files_refuse("Invalid Content-Type header (" + std::string(request.content_type)
                                + "), expected multipart/form-data with a boundary. (HINT: If you're using curl, "
                                  "you can pass -F 'file=@<filename>' and -F 'purpose=<purpose>'.)",
                            {}, entropy);
    const auto parts = parse_sim_form(*boundary, request.body);
    if (!parts)
        return files_refuse("The multipart/form-data body could not be parsed: " + parts.error() + ".", {}, entropy);

    const SimFormPart* purpose = form_field(*parts, "purpose");
    if (!purpose)
        return files_refuse(sim_openai_missing("purpose"), "purpose", entropy);
    if (std::ranges::find(kFilePurposes, purpose->data) == kFilePurposes.end())
        return files_refuse(sim_openai_invalid_value("purpose", purpose->data,
                                                     "'assistants', 'batch', 'fine-tune', 'vision', 'user_data', "
                                                     "and 'evals'"),
                            "purpose", entropy);
    const SimFormPart* file = form_field(*parts, "file");
    if (!file)
        return files_refuse(sim_openai_missing("file"), "file", entropy);
    if (!file->filename)
        return files_refuse("Invalid 'file': expected a file upload (a part with a filename), but got a text "
                            "field instead.",
                            "file", entropy);
    if (purpose->data == "batch") {
        if (!file->filename->ends_with(".jsonl"))
            return files_refuse("Invalid file format for Batch API. Must be .jsonl", "file", entropy);
        if (file->data.size() > kSimOpenAIBatchFileMaxBytes)
            return files_refuse("File is too large: " + std::to_string(file->data.size())
                                    + " bytes. Files for the Batch API can be at most 200 MB.",
                                "file", entropy);
    }
    const auto lifetime = read_file_lifetime(*parts, purpose->data);
    if (!lifetime)
        return files_refuse(lifetime.error().message, lifetime.error().param, entropy);

    const SimFile stored = files.add(*file->filename, std::string(purpose->data), std::string(file->data),
                                     *lifetime, entropy);
    return openai_json_reply(openai_file_object(stored), entropy);
}

SimResponse list_files(const SimRoute& route, const SimFileStore& files, std::uint64_t entropy)
{
    const auto limit = sim_openai_list_limit(route.param("limit"), 10'000, 10'000);
    if (!limit)
        return files_refuse(limit.error().message, limit.error().param, entropy);
    const std::string_view order = route.param("order").value_or("desc");
    if (order != "asc" && order != "desc")
        return files_refuse(sim_openai_invalid_value("order", order, "'asc' and 'desc'"), "order", entropy);
    const auto page = files.list(route.param("purpose").value_or(""), order == "asc", *limit,
                                 route.param("after").value_or(""));
    ojson data = ojson::array();
    for (const auto& file : page.files)
        data.push_back(openai_file_object(file));
    const ojson first = page.files.empty() ? ojson(nullptr) : ojson(page.files.front().id);
    const ojson last = page.files.empty() ? ojson(nullptr) : ojson(page.files.back().id);
    return openai_json_reply(ojson{{"object", "list"},
                                   {"data", std::move(data)},
                                   {"first_id", first},
                                   {"last_id", last},
                                   {"has_more", page.has_more}},
                             entropy);
}

SimResponse file_content(const SimFile& file, std::uint64_t entropy)
{
    SimResponse response;
    response.headers.emplace_back("content-type", "application/octet-stream");
    response.headers.emplace_back("content-disposition", "attachment; filename=\"" + file.filename + "\"");
    sim_openai_headers(response, entropy);
    response.body = *file.content;
    return response;
}

}  // namespace

SimResponse sim_openai_files(const SimRequest& request, SimFileStore& files, std::uint64_t entropy)
{
    const SimRoute route = sim_route(request.target);
    const auto& path = route.segments;  // v1, files, …
    const std::string_view method = request.method;
    if (path.size() == 2 && method == "POST")
        return upload_file(request, files, entropy);
    if (path.size() == 2 && method == "GET")
        return list_files(route, files, entropy);
    if (path.size() == 3 && (method == "GET" || method == "DELETE")) {
        const auto file = files.find(path[2]);
        if (!file)
            return no_such_file(path[2], entropy);
        if (method == "GET")
            return openai_json_reply(openai_file_object(*file), entropy);
        files.remove(file->id);
        return openai_json_reply(ojson{{"id", file->id}, {"object", "file"}, {"deleted", true}}, entropy);
    }
    if (path.size() == 4 && path[3] == "content" && method == "GET") {
        const auto file = files.find(path[2]);
        return file ? file_content(*file, entropy) : no_such_file(path[2], entropy);
    }
    return openai_invalid_url(request.method, request.target, entropy);
}

}  // namespace sb
