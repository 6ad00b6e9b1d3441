#include "config/config_file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include <nlohmann/json.hpp>

namespace sb {

namespace {

std::string errno_text() { return std::strerror(errno); }

// Closes the descriptor and removes the temporary file unless released.
struct TempFile {
    std::filesystem::path path;
    int fd = -1;
    bool keep = false;
    ~TempFile() {
        if (fd >= 0) ::close(fd);
        if (!keep) {
            std::error_code ignored;
            std::filesystem::remove(path, ignored);
        }
    }
};

}  // namespace

std::expected<void, std::string> write_file_atomically(const std::filesystem::path& file, std::string_view text) {
    std::error_code ec;
    auto mode = static_cast<mode_t>(0600);
    if (const auto status = std::filesystem::status(file, ec); !ec && std::filesystem::exists(status))
        mode = static_cast<mode_t>(status.permissions() & std::filesystem::perms::mask);

    TempFile temp;
    temp.path = file;
    temp.path += ".tmp-" + std::to_string(::getpid());
    temp.fd = ::open(temp.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (temp.fd < 0) return std::unexpected("cannot create " + temp.path.string() + ": " + errno_text());
    const char* data = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        const ssize_t written = ::write(temp.fd, data, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            return std::unexpected("cannot write " + temp.path.string() + ": " + errno_text());
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
    if (::fsync(temp.fd) != 0) return std::unexpected("cannot sync " + temp.path.string() + ": " + errno_text());
    ::close(temp.fd);
    temp.fd = -1;
    if (::rename(temp.path.c_str(), file.c_str()) != 0)
        return std::unexpected("cannot replace " + file.string() + ": " + errno_text());
    temp.keep = true;
    return {};
}

namespace {

// Reads `file` as a JSON object, lets `change` edit it, and writes it back atomically;
// `change` returns an error to leave the file alone.
std::expected<void, std::string> edit_json_file(const std::filesystem::path& file, std::string_view what,
                                                const std::function<std::expected<void, std::string>(nlohmann::json&)>& change) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::unexpected("cannot read " + file.string());
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto json = nlohmann::json::parse(buffer.str(), nullptr, false);
    if (json.is_discarded() || !json.is_object())
        return std::unexpected(file.string() + " is not a JSON object; " + std::string(what) + " not saved");
    if (auto changed = change(json); !changed) return changed;
    return write_file_atomically(file, json.dump(2) + "\n");
}

}  // namespace

std::expected<void, std::string> save_routing_section(const std::filesystem::path& file, const RoutingConfig& routing) {
    return edit_json_file(file, "routing", [&routing](nlohmann::json& json) -> std::expected<void, std::string> {
        json["routing"] = to_json(routing);
        return {};
    });
}

std::expected<void, std::string> save_cache_rules(const std::filesystem::path& file, const std::vector<CacheRule>& rules) {
    return edit_json_file(file, "cache rules", [&](nlohmann::json& json) -> std::expected<void, std::string> {
        auto cache = json.find("cache");
        if (cache == json.end()) cache = json.emplace("cache", nlohmann::json::object()).first;
        if (!cache->is_object())
            return std::unexpected(file.string() + ": \"cache\" is not an object; cache rules not saved");
        (*cache)["rules"] = to_json(rules);
        return {};
    });
}

std::expected<void, std::string> save_alert_rules(const std::filesystem::path& file, const std::vector<AlertRule>& rules) {
    return edit_json_file(file, "alert rules", [&](nlohmann::json& json) -> std::expected<void, std::string> {
        auto alerts = json.find("alerts");
        if (alerts == json.end()) alerts = json.emplace("alerts", nlohmann::json::object()).first;
        if (!alerts->is_object())
            return std::unexpected(file.string() + ": \"alerts\" is not an object; alert rules not saved");
        (*alerts)["rules"] = to_json(rules);
        return {};
    });
}

}  // namespace sb
