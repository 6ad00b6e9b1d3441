#pragma once
// Spend against the configured budgets, live: every priced answer is recorded by provider;
// before a request is sent, check() says whether a budget wants it refused, moved to a
// cheaper tier, or only warned about. Also the month-end forecast from the recent trend.
// Days and months are UTC. Thread-safe.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/budget_config.h"
#include "model/error.h"

namespace sb {

struct BudgetStatus {
    Budget budget;
    double spent_usd = 0;
    double fraction = 0;  // of the limit
    bool acting = false;  // spent ≥ threshold × limit: the action applies
    std::int64_t period_end_ms = 0;
};

struct BudgetVerdict {
    std::optional<Error> refusal;        // ErrorClass::Budget, naming the budget
    std::string downgrade_tier;          // non-empty: routed requests go to this tier
    std::string downgrade_budget;        // which budget moved them
    std::vector<std::string> warnings;   // "budget monthly total: $1,700.00 of $2,000.00 (85%)"
};

struct SpendForecast {
    double month_to_date_usd = 0;
    double forecast_usd = 0;         // month-to-date + recent daily rate × days left
    double daily_rate_usd = 0;       // the rate used
    int days_in_trend = 0;           // how many days the rate is averaged over (≤ 7)
    std::int64_t month_end_ms = 0;
};

// Spend by UTC day start (ms) and provider.
using SpendByDay = std::map<std::int64_t, std::map<std::string, double>>;

class BudgetTracker {
public:
    using Clock = std::chrono::system_clock;
    explicit BudgetTracker(std::vector<Budget> budgets, std::function<Clock::time_point()> now = {});

    // Spend already in the history (per UTC day and provider), so a restart does not reset budgets.
    void seed(std::int64_t day_start_ms, const std::string& provider, double cost_usd);
    void record(const std::string& provider, double cost_usd);
    BudgetVerdict check(const std::string& provider) const;
    std::vector<BudgetStatus> status() const;
    SpendForecast forecast() const;
    void set_budgets(std::vector<Budget> budgets);

    // In a fleet, budgets count every instance's spend: what this process spent (seeded and
    // recorded) goes out, and the others' comes in, replacing what came before.
    SpendByDay own_spend() const;
    void set_others_spend(SpendByDay others);
    std::vector<Budget> budgets() const;

    static std::int64_t day_start_ms(std::int64_t unix_ms);
    static std::int64_t month_start_ms(std::int64_t unix_ms);
    static std::int64_t next_month_start_ms(std::int64_t unix_ms);

private:
    std::int64_t now_ms() const;
    double spent(const Budget& budget, std::int64_t now) const;  // m_mutex held
    void prune(std::int64_t now);                                 // m_mutex held

    std::function<Clock::time_point()> m_now;
    mutable std::mutex m_mutex;
    std::vector<Budget> m_budgets;
    // This process's spend; days of this month and the 7 before it.
    SpendByDay m_days;
    SpendByDay m_others;  // the rest of the fleet's, as last read
};

}  // namespace sb
