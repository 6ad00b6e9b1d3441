#pragma once
// The price table: input, cached-input and output price per million tokens for each model,
// dated and with its source (resources/pricing.json, compiled in; a user's copy can replace
// it). Cost of a call = (input − cached) × input price + cached × cached price + output ×
// output price. Usage.input_tokens counts cached tokens too (both adapters normalise so).
// Dated snapshots ("gpt-4o-mini-2024-07-18") match their model by the longest prefix.
// Work sent through a provider's batch API costs batch_price_factor() of that (OpenAI's Batch
// API and Anthropic's Message Batches both charge half: "batch" in pricing.json).
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "model/chat.h"

namespace sb {

struct ConfigError;

struct ModelPrice {
    std::string model;
    double input_per_million = 0;
    double cached_input_per_million = 0;
    double output_per_million = 0;
    std::string source;
    bool operator==(const ModelPrice&) const = default;
};

// The table as the console edits it: rows in the operator's order, not validated yet.
struct PriceSheet {
    std::string as_of;
    std::vector<ModelPrice> models;
    double batch_price_factor = 0.5;  // not edited on the sheet: carried through as it was
    std::string batch_source;
    bool operator==(const PriceSheet&) const = default;
};

// Every problem, with paths "as_of" and "[i].<field>" (i = row of the sheet).
std::vector<ConfigError> validate_price_sheet(const PriceSheet& sheet);

class PriceTable {
public:
    // Errors read "<path>: <rule>" (e.g. "models.gpt-4o.output: must be a number >= 0").
    static std::expected<PriceTable, std::string> parse(const nlohmann::json& json);
    static std::expected<PriceTable, std::string> load(const std::filesystem::path& file);
    static const PriceTable& built_in();  // resources/pricing.json
    static std::expected<PriceTable, std::vector<ConfigError>> from_sheet(const PriceSheet& sheet);

    PriceSheet sheet() const { return {m_as_of, m_prices, m_batch_price_factor, m_batch_source}; }
    bool operator==(const PriceTable&) const = default;

    const ModelPrice* find(std::string_view model) const;
    // nullopt when the model has no price: an unknown cost is not a zero cost.
    std::optional<double> cost_usd(std::string_view model, const Usage& usage) const;

    // What a provider's batch API charges, as a fraction of the price above.
    double batch_price_factor() const { return m_batch_price_factor; }
    const std::string& batch_source() const { return m_batch_source; }
    std::optional<double> batch_cost_usd(std::string_view model, const Usage& usage) const;

    const std::string& as_of() const { return m_as_of; }
    const std::vector<ModelPrice>& prices() const { return m_prices; }

private:
    std::string m_as_of;
    std::vector<ModelPrice> m_prices;  // sorted by model name
    double m_batch_price_factor = 0.5;  // both providers' published batch discount
    std::string m_batch_source;
};

// The pricing.json form: what PriceTable::parse reads back.
nlohmann::json to_json(const PriceTable& table);

}  // namespace sb
