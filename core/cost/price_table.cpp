#include "cost/price_table.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

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

}  // namespace sb
