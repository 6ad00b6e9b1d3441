#include "simulator/simulator_profile.h"

#include <cmath>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

namespace sb {

double SimulatorErrorRates::total() const
{
    return rate_limited + rate_limited_no_header + server_error + bad_gateway + unavailable
        + overloaded + hang + reset + malformed;
}

namespace {

using ProfileError = std::unexpected<std::string>;

ProfileError fail(const std::string& path, const std::string& rule)
{
    return ProfileError(path + ": " + rule);
}

// Rejects keys outside `allowed`, so a typo in a profile is an error instead of a silent default.
std::expected<void, std::string> check_keys(const nlohmann::json& object, const std::string& prefix,
                                            std::initializer_list<std::string_view> allowed)
{
    for (const auto& [key, value] : object.items()) {
        bool known = false;
        for (auto name : allowed)
            known = known || key == name;
        if (!known)
            return fail(prefix + key, "unknown key");
    }
    return {};
}

std::expected<void, std::string> read_number(const nlohmann::json& object, const char* key,
                                             const std::string& path, double min, double max,
                                             const char* rule, double& out)
{
    if (!object.contains(key))
        return {};
    const auto& value = object.at(key);
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < min
        || value.get<double>() > max)
        return fail(path, rule);
    out = value.get<double>();
    return {};
}

std::expected<void, std::string> read_int(const nlohmann::json& object, const char* key,
                                          const std::string& path, int min, int max, int& out)
{
    if (!object.contains(key))
        return {};
    const auto& value = object.at(key);
    if (!value.is_number_integer() || value.get<long long>() < min || value.get<long long>() > max)
        return fail(path, "must be an integer in [" + std::to_string(min) + ", "
                              + std::to_string(max) + "]");
    out = static_cast<int>(value.get<long long>());
    return {};
}

constexpr double kMaxMs = 3'600'000;

std::expected<void, std::string> parse_errors(const nlohmann::json& errors, SimulatorErrorRates& out)
{
    if (!errors.is_object())
        return fail("errors", "must be an object");
    struct Field {
        const char* name;
        double SimulatorErrorRates::*member;
    };
    static constexpr Field fields[] = {
        {"rate_limited", &SimulatorErrorRates::rate_limited},
        {"rate_limited_no_header", &SimulatorErrorRates::rate_limited_no_header},
        {"server_error", &SimulatorErrorRates::server_error},
        {"bad_gateway", &SimulatorErrorRates::bad_gateway},
        {"unavailable", &SimulatorErrorRates::unavailable},
        {"overloaded", &SimulatorErrorRates::overloaded},
        {"hang", &SimulatorErrorRates::hang},
        {"reset", &SimulatorErrorRates::reset},
        {"malformed", &SimulatorErrorRates::malformed},
    };
    for (const auto& [key, value] : errors.items()) {
        bool known = false;
        for (const auto& field : fields) {
            if (key != field.name)
                continue;
            known = true;
            if (auto r = read_number(errors, field.name, "errors." + key, 0, 1,
                                     "must be a probability in [0, 1]", out.*field.member);
                !r)
                return r;
        }
        if (!known)
            return fail("errors." + key, "unknown key");
    }
    if (out.total() > 1.0 + 1e-9)
        return fail("errors", "probabilities must sum to at most 1");
    return {};
}

}  // namespace

std::expected<SimulatorProfile, std::string> parse_simulator_profile(const nlohmann::json& json)
{
    if (!json.is_object())
        return fail("$", "must be an object");
    if (auto r = check_keys(json, "",
                            {"description", "seed", "latency", "streaming", "reply_words",
                             "retry_after_s", "rate_limit_rpm", "batch_completion_ms", "errors", "models"});
        !r)
        return ProfileError(r.error());

    SimulatorProfile profile;
    if (json.contains("seed")) {
        const auto& seed = json.at("seed");
        if (!seed.is_number_unsigned())
            return fail("seed", "must be a non-negative integer");
        profile.seed = seed.get<std::uint64_t>();
    }
    if (json.contains("latency")) {
        const auto& latency = json.at("latency");
        if (!latency.is_object())
            return fail("latency", "must be an object");
        if (auto r = check_keys(latency, "latency.", {"median_ms", "p99_ms"}); !r)
            return ProfileError(r.error());
        const char* rule = "must be a number of milliseconds in [0, 3600000]";
        if (auto r = read_number(latency, "median_ms", "latency.median_ms", 0, kMaxMs, rule,
                                 profile.latency_median_ms);
            !r)
            return ProfileError(r.error());
        profile.latency_p99_ms = profile.latency_median_ms;
        if (auto r = read_number(latency, "p99_ms", "latency.p99_ms", 0, kMaxMs, rule,
                                 profile.latency_p99_ms);
            !r)
            return ProfileError(r.error());
        if (profile.latency_p99_ms < profile.latency_median_ms)
            return fail("latency.p99_ms", "must be at least latency.median_ms");
    }
    if (json.contains("streaming")) {
        const auto& streaming = json.at("streaming");
        if (!streaming.is_object())
            return fail("streaming", "must be an object");
        if (auto r = check_keys(streaming, "streaming.", {"chunk_interval_ms"}); !r)
            return ProfileError(r.error());
        if (auto r = read_number(streaming, "chunk_interval_ms", "streaming.chunk_interval_ms", 0,
                                 60'000, "must be a number of milliseconds in [0, 60000]",
                                 profile.chunk_interval_ms);
            !r)
            return ProfileError(r.error());
    }
    if (auto r = read_int(json, "reply_words", "reply_words", 1, 100'000, profile.reply_words); !r)
        return ProfileError(r.error());
    if (auto r = read_int(json, "retry_after_s", "retry_after_s", 0, 86'400, profile.retry_after_s);
        !r)
        return ProfileError(r.error());
    if (auto r = read_int(json, "rate_limit_rpm", "rate_limit_rpm", 0, 100'000'000, profile.rate_limit_rpm); !r)
        return ProfileError(r.error());
    if (auto r = read_int(json, "batch_completion_ms", "batch_completion_ms", 0, kSimBatchMaxCompletionMs,
                          profile.batch_completion_ms);
        !r)
        return ProfileError(r.error());
    if (json.contains("errors")) {
        if (auto r = parse_errors(json.at("errors"), profile.errors); !r)
            return ProfileError(r.error());
    }
    if (json.contains("models")) {
        const auto& models = json.at("models");
        if (!models.is_array() || models.empty())
            return fail("models", "must be a non-empty array of model ids");
        profile.models.clear();
        for (std::size_t i = 0; i < models.size(); ++i) {
            if (!models[i].is_string() || models[i].get<std::string>().empty())
                return fail("models[" + std::to_string(i) + "]", "must be a non-empty string");
            profile.models.push_back(models[i].get<std::string>());
        }
    }
    return profile;
}

std::expected<SimulatorProfile, std::string> load_simulator_profile(
    const std::filesystem::path& path)
{
    std::ifstream in(path);
    if (!in)
        return ProfileError(path.string() + ": cannot open file");
    auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded())
        return ProfileError(path.string() + ": not valid JSON");
    auto profile = parse_simulator_profile(json);
    if (!profile)
        return ProfileError(path.string() + ": " + profile.error());
    return profile;
}

}  // namespace sb
