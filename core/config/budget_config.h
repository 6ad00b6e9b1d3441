#pragma once
// The "budgets" section: daily and monthly spending limits, for all traffic or one
// provider, each with what happens once `threshold` × limit is spent:
//   warn      — requests go on; the budget shows as warning (and an alert fires);
//   downgrade — routed requests move to a cheaper tier (`tier`);
//   refuse    — requests fail with ErrorClass::Budget and a message naming the budget.
// Periods are calendar days and months in UTC.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sb {

enum class BudgetPeriod { Daily, Monthly };
enum class BudgetAction { Warn, Downgrade, Refuse };
std::string_view to_string(BudgetPeriod period);
std::string_view to_string(BudgetAction action);

struct Budget {
    std::string name;
    BudgetPeriod period = BudgetPeriod::Monthly;
    std::string provider;  // empty = all providers together
    double limit_usd = 0;
    double threshold = 1.0;  // fraction of the limit at which the action starts
    BudgetAction action = BudgetAction::Warn;
    std::string tier;  // downgrade target
    bool operator==(const Budget&) const = default;
};

nlohmann::json to_json(const std::vector<Budget>& budgets);

}  // namespace sb

namespace sb {

struct ConfigError;
std::vector<Budget> parse_budgets(const nlohmann::json& json, const std::string& path, std::vector<ConfigError>& errors);
// Cross-checks against the routing tiers and providers: "[1].tier: …".
std::vector<ConfigError> validate_budgets(const std::vector<Budget>& budgets, const std::vector<std::string>& providers,
                                          const std::vector<std::string>& tiers);

}  // namespace sb
