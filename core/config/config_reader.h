#pragma once
// Reads typed fields out of a JSON object while remembering the JSON path, so every
// problem is reported as "<path>: <rule>". Unknown keys are reported too: a typo in a
// config file should never be silently ignored.
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"

namespace sb {

class ConfigReader {
public:
    ConfigReader(const nlohmann::json& object, std::string path, std::vector<ConfigError>& errors);

    bool is_object() const { return m_object.is_object(); }
    const std::string& path() const { return m_path; }
    std::string child_path(std::string_view key) const;
    bool has(std::string_view key) const;
    const nlohmann::json* raw(std::string_view key);  // marks the key as known

    void read(std::string_view key, std::string& out);
    void read(std::string_view key, bool& out);
    void read(std::string_view key, int& out, long long min, long long max);
    void read(std::string_view key, std::size_t& out, long long min, long long max);
    void read(std::string_view key, double& out, double min, double max);
    void read_ms(std::string_view key, std::chrono::milliseconds& out, long long min, long long max);
    void read(std::string_view key, std::vector<std::string>& out);

    void fail(std::string_view key, std::string rule);
    // Reports every key that no read() asked for.
    void finish();

private:
    const nlohmann::json* find(std::string_view key);

    const nlohmann::json& m_object;
    std::string m_path;
    std::vector<ConfigError>& m_errors;
    std::set<std::string, std::less<>> m_known;
};

// A JSON array of objects, each read by `read_item(json, "<path>[i]", errors)`; anything but an
// array is reported as "<path>: must be an array of <what>".
template <typename ReadItem>
auto read_array(const nlohmann::json& json, const std::string& path, std::string_view what,
                std::vector<ConfigError>& errors, ReadItem read_item) {
    std::vector<decltype(read_item(json, path, errors))> items;
    if (!json.is_array()) {
        errors.push_back({path, "must be an array of " + std::string(what)});
        return items;
    }
    for (std::size_t i = 0; i < json.size(); ++i) items.push_back(read_item(json[i], path + "[" + std::to_string(i) + "]", errors));
    return items;
}

}  // namespace sb
