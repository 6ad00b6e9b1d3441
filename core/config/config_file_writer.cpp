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

std::expected<void, std::string> save_providers(const std::filesystem::path& file, const std::vector<ProviderConfig>& providers,
                                                const Config& whole) {
    nlohmann::json written = nlohmann::json::array();
    for (const auto& provider : providers) written.push_back(to_json(provider));
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
        if (!file.parent_path().empty()) {
            std::filesystem::create_directories(file.parent_path(), ec);
            if (ec) return std::unexpected("cannot create " + file.parent_path().string() + ": " + ec.message());
        }
        nlohmann::json json = to_json(whole);
        json["providers"] = std::move(written);
        return write_file_atomically(file, json.dump(2) + "\n");
    }
    return edit_json_file(file, "providers", [&written](nlohmann::json& json) -> std::expected<void, std::string> {
        json["providers"] = std::move(written);
        return {};
    });
}

namespace {

// Replaces only json[section][key] (a missing section object is created; its other keys stay).
std::expected<void, std::string> save_section_key(const std::filesystem::path& file, const std::string& section,
                                                  const std::string& key, nlohmann::json value, std::string_view what) {
    return edit_json_file(file, what, [&](nlohmann::json& json) -> std::expected<void, std::string> {
        auto object = json.find(section);
        if (object == json.end()) object = json.emplace(section, nlohmann::json::object()).first;
        if (!object->is_object())
            return std::unexpected(file.string() + ": \"" + section + "\" is not an object; " + std::string(what) + " not saved");
        (*object)[key] = std::move(value);
        return {};
    });
}

}  // namespace

std::expected<void, std::string> save_cache_rules(const std::filesystem::path& file, const std::vector<CacheRule>& rules) {
    return save_section_key(file, "cache", "rules", to_json(rules), "cache rules");
}

std::expected<void, std::string> save_alert_rules(const std::filesystem::path& file, const std::vector<AlertRule>& rules) {
    return save_section_key(file, "alerts", "rules", to_json(rules), "alert rules");
}

std::expected<void, std::string> save_pricing_file_name(const std::filesystem::path& file, const std::filesystem::path& pricing) {
    return save_section_key(file, "cost", "pricing", pricing.string(), "the price file's name");
}

}  // namespace sb
