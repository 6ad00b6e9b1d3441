#include "cost/price_table.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "config/embedded_resources.h"

namespace sb {

namespace {

std::expected<double, std::string> price(const nlohmann::json& entry, const std::string& path, const char* key) {
    const auto it = entry.find(key);
    if (it == entry.end()) return std::unexpected(path + "." + key + ": is missing");
    if (!it->is_number() || it->get<double>() < 0) return std::unexpected(path + "." + key + ": must be a number >= 0");
    return it->get<double>();
}

}  // namespace

std::expected<PriceTable, std::string> PriceTable::parse(const nlohmann::json& json) {
    if (!json.is_object()) return std::unexpected("pricing: must be a JSON object");
    PriceTable table;
    table.m_as_of = json.value("as_of", std::string());
    if (table.m_as_of.empty()) return std::unexpected("as_of: must give the date the prices were read");
    const auto models = json.find("models");
    if (models == json.end() || !models->is_object()) return std::unexpected("models: must be an object of model → prices");
    for (const auto& [name, entry] : models->items()) {
        const std::string path = "models." + name;
        if (!entry.is_object()) return std::unexpected(path + ": must be an object");
        ModelPrice p;
        p.model = name;
        auto input = price(entry, path, "input");
        auto output = price(entry, path, "output");
        if (!input) return std::unexpected(input.error());
        if (!output) return std::unexpected(output.error());
        p.input_per_million = *input;
        p.output_per_million = *output;
        p.cached_input_per_million = *input;  // no cache discount unless one is listed
        if (entry.contains("cached_input")) {
            auto cached = price(entry, path, "cached_input");
            if (!cached) return std::unexpected(cached.error());
            p.cached_input_per_million = *cached;
        }
        p.source = entry.value("source", std::string());
        if (p.source.empty()) return std::unexpected(path + ".source: must say where the prices come from");
        table.m_prices.push_back(std::move(p));
    }
    std::sort(table.m_prices.begin(), table.m_prices.end(),
              [](const ModelPrice& a, const ModelPrice& b) { return a.model < b.model; });
    if (const auto batch = json.find("batch"); batch != json.end()) {
        if (!batch->is_object()) return std::unexpected("batch: must be an object {price_factor, source}");
        auto factor = price(*batch, "batch", "price_factor");
        if (!factor) return std::unexpected(factor.error());
        if (*factor > 1) return std::unexpected("batch.price_factor: must be at most 1 (a fraction of the price)");
        table.m_batch_price_factor = *factor;
        table.m_batch_source = batch->value("source", std::string());
        if (table.m_batch_source.empty()) return std::unexpected("batch.source: must say where the discount comes from");
    }
    return table;
}

std::expected<PriceTable, std::string> PriceTable::load(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) return std::unexpected(file.string() + ": cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    const auto json = nlohmann::json::parse(text.str(), nullptr, false);
    if (json.is_discarded()) return std::unexpected(file.string() + ": is not valid JSON");
    auto table = parse(json);
    if (!table) return std::unexpected(file.string() + ": " + table.error());
    return table;
}

const PriceTable& PriceTable::built_in() {
    static const PriceTable table = [] {
        auto parsed = parse(nlohmann::json::parse(embedded_pricing()));
        return parsed ? std::move(*parsed) : PriceTable{};  // a broken built-in fails its test
    }();
    return table;
}

std::vector<ConfigError> validate_price_sheet(const PriceSheet& sheet) {
    std::vector<ConfigError> errors;
    const bool dated = sheet.as_of.size() == 10 && sheet.as_of[4] == '-' && sheet.as_of[7] == '-' &&
                       std::all_of(sheet.as_of.begin(), sheet.as_of.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '-'; });
    if (!dated) errors.push_back({"as_of", "must be the date the prices were read, as YYYY-MM-DD"});
    std::set<std::string, std::less<>> seen;
    for (std::size_t i = 0; i < sheet.models.size(); ++i) {
        const auto& p = sheet.models[i];
        const std::string row = "[" + std::to_string(i) + "]";
        if (p.model.empty() || p.model.find_first_of(" \t") != std::string::npos)
            errors.push_back({row + ".model", "must be a model name without spaces"});
        else if (!seen.insert(p.model).second)
            errors.push_back({row + ".model", "is listed twice"});
        for (const auto& [field, value] : {std::pair{".input", p.input_per_million}, std::pair{".cached_input", p.cached_input_per_million},
                                           std::pair{".output", p.output_per_million}})
            if (!std::isfinite(value) || value < 0) errors.push_back({row + field, "must be a number >= 0"});
        if (p.source.empty()) errors.push_back({row + ".source", "must say where the prices come from"});
    }
    return errors;
}

std::expected<PriceTable, std::vector<ConfigError>> PriceTable::from_sheet(const PriceSheet& sheet) {
    auto errors = validate_price_sheet(sheet);
    if (!errors.empty()) return std::unexpected(std::move(errors));
    PriceTable table;
    table.m_as_of = sheet.as_of;
    table.m_prices = sheet.models;
    table.m_batch_price_factor = sheet.batch_price_factor;
    table.m_batch_source = sheet.batch_source;
    std::sort(table.m_prices.begin(), table.m_prices.end(),
              [](const ModelPrice& a, const ModelPrice& b) { return a.model < b.model; });
    return table;
}

nlohmann::json to_json(const PriceTable& table) {
    nlohmann::json models = nlohmann::json::object();
    for (const auto& p : table.prices())
        models[p.model] = {{"input", p.input_per_million},
                           {"cached_input", p.cached_input_per_million},
                           {"output", p.output_per_million},
                           {"source", p.source}};
    nlohmann::json json = {{"as_of", table.as_of()}, {"currency", "USD"}, {"unit", "per 1,000,000 tokens"}, {"models", std::move(models)}};
    if (!table.batch_source().empty())
        json["batch"] = {{"price_factor", table.batch_price_factor()}, {"source", table.batch_source()}};
    return json;
}

const ModelPrice* PriceTable::find(std::string_view model) const {
    const ModelPrice* best = nullptr;
    for (const auto& p : m_prices)
        if (model.starts_with(p.model) && (model.size() == p.model.size() || model[p.model.size()] == '-') &&
            (!best || p.model.size() > best->model.size()))
            best = &p;
    return best;
}

std::optional<double> PriceTable::cost_usd(std::string_view model, const Usage& usage) const {
    const ModelPrice* p = find(model);
    if (!p) return std::nullopt;
    const auto cached = std::clamp<std::int64_t>(usage.cached_input_tokens, 0, usage.input_tokens);
    const double micro = static_cast<double>(usage.input_tokens - cached) * p->input_per_million +
                         static_cast<double>(cached) * p->cached_input_per_million +
                         static_cast<double>(usage.output_tokens) * p->output_per_million;
    return micro / 1'000'000.0;
}

std::optional<double> PriceTable::batch_cost_usd(std::string_view model, const Usage& usage) const {
    const auto cost = cost_usd(model, usage);
    if (!cost) return std::nullopt;
    return *cost * m_batch_price_factor;
}

}  // namespace sb
