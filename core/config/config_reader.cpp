#include "config/config_reader.h"

namespace sb {

ConfigReader::ConfigReader(const nlohmann::json& object, std::string path, std::vector<ConfigError>& errors)
    : m_object(object), m_path(std::move(path)), m_errors(errors) {
    if (!m_object.is_object()) m_errors.push_back({m_path, "must be an object"});
}

std::string ConfigReader::child_path(std::string_view key) const {
    return m_path.empty() ? std::string(key) : m_path + "." + std::string(key);
}

bool ConfigReader::has(std::string_view key) const {
    return m_object.is_object() && m_object.contains(key);
}

const nlohmann::json* ConfigReader::find(std::string_view key) {
    m_known.emplace(key);
    if (!m_object.is_object()) return nullptr;
    const auto it = m_object.find(key);
    return it == m_object.end() ? nullptr : &*it;
}

const nlohmann::json* ConfigReader::raw(std::string_view key) { return find(key); }

void ConfigReader::fail(std::string_view key, std::string rule) {
    m_errors.push_back({child_path(key), std::move(rule)});
}

void ConfigReader::read(std::string_view key, std::string& out) {
    const auto* value = find(key);
    if (!value) return;
    if (!value->is_string()) return fail(key, "must be a string");
    out = value->get<std::string>();
}

void ConfigReader::read(std::string_view key, bool& out) {
    const auto* value = find(key);
    if (!value) return;
    if (!value->is_boolean()) return fail(key, "must be true or false");
    out = value->get<bool>();
}

namespace {
std::string range_rule(long long min, long long max) {
    return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
}
}  // namespace

void ConfigReader::read(std::string_view key, int& out, long long min, long long max) {
    const auto* value = find(key);
    if (!value) return;
    if (!value->is_number_integer()) return fail(key, range_rule(min, max));
    const auto number = value->get<long long>();
    if (number < min || number > max) return fail(key, range_rule(min, max));
    out = static_cast<int>(number);
}

void ConfigReader::read(std::string_view key, std::size_t& out, long long min, long long max) {
    const auto* value = find(key);
    if (!value) return;
    if (!value->is_number_integer()) return fail(key, range_rule(min, max));
    const auto number = value->get<long long>();
    if (number < min || number > max) return fail(key, range_rule(min, max));
    out = static_cast<std::size_t>(number);
}

void ConfigReader::read(std::string_view key, double& out, double min, double max) {
    const auto* value = find(key);
    if (!value) return;
    if (!value->is_number()) return fail(key, "must be a number");
    const auto number = value->get<double>();
    if (number < min || number > max)
        return fail(key, "must be a number from " + nlohmann::json(min).dump() + " to " + nlohmann::json(max).dump());
    out = number;
}

void ConfigReader::read_ms(std::string_view key, std::chrono::milliseconds& out, long long min, long long max) {
    const auto* value = find(key);
    if (!value) return;
    if (!value->is_number_integer()) return fail(key, "must be a whole number of milliseconds");
    const auto number = value->get<long long>();
    if (number < min || number > max)
        return fail(key, "must be from " + std::to_string(min) + " to " + std::to_string(max) + " ms");
    out = std::chrono::milliseconds(number);
}

void ConfigReader::read(std::string_view key, std::vector<std::string>& out) {
    const auto* value = find(key);
    if (!value) return;
    if (!value->is_array()) return fail(key, "must be an array of strings");
    out.clear();
    for (std::size_t i = 0; i < value->size(); ++i) {
        const auto& item = (*value)[i];
        if (!item.is_string()) {
            m_errors.push_back({child_path(key) + "[" + std::to_string(i) + "]", "must be a string"});
            continue;
        }
        out.push_back(item.get<std::string>());
    }
}

void ConfigReader::finish() {
    if (!m_object.is_object()) return;
    for (const auto& [key, value] : m_object.items()) {
        if (!m_known.contains(key)) m_errors.push_back({child_path(key), "unknown key"});
    }
}

}  // namespace sb
