// The budgets section's names, JSON form and cross-checks.
#include "config/budget_config.h"

#include <algorithm>
#include <array>
#include <optional>
#include <set>

#include "config/config.h"
#include "config/config_reader.h"
#include "config/enum_names.h"

namespace sb {

namespace {

constexpr std::array kPeriods{BudgetPeriod::Daily, BudgetPeriod::Monthly};
constexpr std::array kBudgetActions{BudgetAction::Warn, BudgetAction::Downgrade, BudgetAction::Refuse};

}  // namespace

std::string_view to_string(BudgetPeriod period) { return period == BudgetPeriod::Daily ? "daily" : "monthly"; }

std::string_view to_string(BudgetAction action) {
    switch (action) {
    case BudgetAction::Warn: return "warn";
    case BudgetAction::Downgrade: return "downgrade";
    case BudgetAction::Refuse: return "refuse";
    }
    return "?";
}

std::vector<Budget> parse_budgets(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors) {
    return read_array(json, path, "budgets", errors, [](const nlohmann::json& item, const std::string& at, std::vector<ConfigError>& errs) {
        Budget budget;
        ConfigReader reader(item, at, errs);
        reader.read("name", budget.name);
        read_enum(reader, "period", kPeriods, budget.period);
        reader.read("provider", budget.provider);
        reader.read("limit_usd", budget.limit_usd, 0.0, 1e12);
        reader.read("threshold", budget.threshold, 0.01, 1.0);
        read_enum(reader, "action", kBudgetActions, budget.action);
        reader.read("tier", budget.tier);
        reader.finish();
        return budget;
    });
}

std::vector<ConfigError> validate_budgets(const std::vector<Budget>& budgets, const std::vector<std::string>& providers,
                                          const std::vector<std::string>& tiers) {
    std::vector<ConfigError> errors;
    std::set<std::string> names;
    const auto contains = [](const std::vector<std::string>& list, const std::string& value) {
        return std::find(list.begin(), list.end(), value) != list.end();
    };
    for (std::size_t i = 0; i < budgets.size(); ++i) {
        const Budget& budget = budgets[i];
        const std::string at = "[" + std::to_string(i) + "]";
        if (budget.name.empty()) errors.push_back({at + ".name", "must not be empty"});
        else if (!names.insert(budget.name).second)
            errors.push_back({at + ".name", "must be unique (\"" + budget.name + "\" is used twice)"});
        if (budget.limit_usd <= 0) errors.push_back({at + ".limit_usd", "must be more than 0"});
        if (!budget.provider.empty() && !contains(providers, budget.provider))
            errors.push_back({at + ".provider", "must name a configured provider (or be empty for all)"});
        if (budget.action == BudgetAction::Downgrade && !contains(tiers, budget.tier))
            errors.push_back({at + ".tier", "must name a routing tier to move traffic to"});
        if (budget.action != BudgetAction::Downgrade && !budget.tier.empty())
            errors.push_back({at + ".tier", "is only used by a downgrade budget"});
    }
    return errors;
}

nlohmann::json to_json(const std::vector<Budget>& budgets) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& b : budgets) {
        nlohmann::json json = {{"name", b.name},          {"period", to_string(b.period)}, {"provider", b.provider},
                               {"limit_usd", b.limit_usd}, {"threshold", b.threshold},     {"action", to_string(b.action)}};
        if (b.action == BudgetAction::Downgrade) json["tier"] = b.tier;
        out.push_back(std::move(json));
    }
    return out;
}

}  // namespace sb
