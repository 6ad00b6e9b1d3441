#include "cost/budget_tracker.h"

#include <algorithm>
#include <cstdio>

#include "model/clock.h"

namespace sb {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr int kTrendDays = 7;

std::string dollars(double usd) {
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "$%.2f", usd);
    return buffer;
}

std::string utc_date(std::int64_t unix_ms) {
    const std::chrono::sys_days day{std::chrono::days(unix_ms / kDayMs)};
    const std::chrono::year_month_day ymd{day};
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day()));
    return buffer;
}

std::string scope(const Budget& budget) {
    return budget.provider.empty() ? std::string("all providers") : "provider " + budget.provider;
}

}  // namespace

BudgetTracker::BudgetTracker(std::vector<Budget> budgets, std::function<Clock::time_point()> now)
    : m_now(now ? std::move(now) : [] { return Clock::now(); }), m_budgets(std::move(budgets)) {}

std::int64_t BudgetTracker::now_ms() const {
    return unix_ms(m_now());
}

std::int64_t BudgetTracker::day_start_ms(std::int64_t unix_ms) { return unix_ms / kDayMs * kDayMs; }

std::int64_t BudgetTracker::month_start_ms(std::int64_t unix_ms) {
    const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days(unix_ms / kDayMs)}};
    const std::chrono::sys_days first{ymd.year() / ymd.month() / std::chrono::day(1)};
    return std::int64_t(first.time_since_epoch().count()) * kDayMs;
}

std::int64_t BudgetTracker::next_month_start_ms(std::int64_t unix_ms) {
    const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days(unix_ms / kDayMs)}};
    const auto next = std::chrono::year_month{ymd.year(), ymd.month()} + std::chrono::months(1);
    const std::chrono::sys_days first{next / std::chrono::day(1)};
    return std::int64_t(first.time_since_epoch().count()) * kDayMs;
}

void BudgetTracker::seed(std::int64_t day_start, const std::string& provider, double cost_usd) {
    std::lock_guard lock(m_mutex);
    m_days[day_start_ms(day_start)][provider] += cost_usd;
    prune(now_ms());
}

void BudgetTracker::record(const std::string& provider, double cost_usd) {
    if (cost_usd <= 0) return;
    const auto now = now_ms();
    std::lock_guard lock(m_mutex);
    m_days[day_start_ms(now)][provider] += cost_usd;
    prune(now);
}

void BudgetTracker::prune(std::int64_t now) {
    const std::int64_t keep_from = std::min(month_start_ms(now), day_start_ms(now) - kTrendDays * kDayMs);
    while (!m_days.empty() && m_days.begin()->first < keep_from) m_days.erase(m_days.begin());
}

double BudgetTracker::spent(const Budget& budget, std::int64_t now) const {
    const std::int64_t from = budget.period == BudgetPeriod::Daily ? day_start_ms(now) : month_start_ms(now);
    double total = 0;
    for (const auto* days : {&m_days, &m_others})
        for (auto it = days->lower_bound(from); it != days->end(); ++it)
            for (const auto& [provider, usd] : it->second)
                if (budget.provider.empty() || budget.provider == provider) total += usd;
    return total;
}

BudgetVerdict BudgetTracker::check(const std::string& provider) const {
    BudgetVerdict verdict;
    const auto now = now_ms();
    std::lock_guard lock(m_mutex);
    for (std::size_t i = 0; i < m_budgets.size(); ++i) {
        const Budget& budget = m_budgets[i];
        if (!budget.provider.empty() && budget.provider != provider) continue;
        const double used = spent(budget, now);
        if (used < budget.threshold * budget.limit_usd) continue;
        const std::int64_t end = budget.period == BudgetPeriod::Daily ? day_start_ms(now) + kDayMs : next_month_start_ms(now);
        const std::string what = std::string(to_string(budget.period)) + " budget \"" + budget.name + "\" (" + scope(budget) +
                                 "): " + dollars(used) + " of " + dollars(budget.limit_usd) + " spent (" +
                                 std::to_string(int(100 * used / budget.limit_usd + 0.5)) + "%)";
        switch (budget.action) {
        case BudgetAction::Refuse:
            if (!verdict.refusal)
                verdict.refusal = Error{ErrorClass::Budget, what + "; requests are refused until " + utc_date(end) +
                                                                " 00:00 UTC (budgets[" + std::to_string(i) + "])"};
            break;
        case BudgetAction::Downgrade:
            if (verdict.downgrade_tier.empty()) {
                verdict.downgrade_tier = budget.tier;
                verdict.downgrade_budget = budget.name;
            }
            verdict.warnings.push_back(what + "; traffic moves to tier " + budget.tier);
            break;
        case BudgetAction::Warn: verdict.warnings.push_back(what); break;
        }
    }
    return verdict;
}

std::vector<BudgetStatus> BudgetTracker::status() const {
    const auto now = now_ms();
    std::lock_guard lock(m_mutex);
    std::vector<BudgetStatus> out;
    for (const auto& budget : m_budgets) {
        BudgetStatus s;
        s.budget = budget;
        s.spent_usd = spent(budget, now);
        s.fraction = budget.limit_usd > 0 ? s.spent_usd / budget.limit_usd : 0;
        s.acting = s.spent_usd >= budget.threshold * budget.limit_usd;
        s.period_end_ms = budget.period == BudgetPeriod::Daily ? day_start_ms(now) + kDayMs : next_month_start_ms(now);
        out.push_back(std::move(s));
    }
    return out;
}

SpendForecast BudgetTracker::forecast() const {
    const auto now = now_ms();
    std::lock_guard lock(m_mutex);
    SpendByDay days = m_days;
    for (const auto& [day, providers] : m_others)
        for (const auto& [provider, usd] : providers) days[day][provider] += usd;
    SpendForecast f;
    f.month_end_ms = next_month_start_ms(now);
    const std::int64_t month_start = month_start_ms(now);
    const std::int64_t today = day_start_ms(now);
    // The trend: the last 7 days, or since the first day with any spend if that is later.
    std::int64_t trend_from = today - (kTrendDays - 1) * kDayMs;
    if (!days.empty()) trend_from = std::max(trend_from, days.begin()->first);
    double trend_usd = 0;
    for (const auto& [day, providers] : days)
        for (const auto& [provider, usd] : providers) {
            if (day >= month_start) f.month_to_date_usd += usd;
            if (day >= trend_from) trend_usd += usd;
        }
    const double trend_days = std::max(1.0 / 24.0, double(now - trend_from) / double(kDayMs));
    f.days_in_trend = static_cast<int>((today - trend_from) / kDayMs) + 1;
    f.daily_rate_usd = days.empty() ? 0.0 : trend_usd / trend_days;
    f.forecast_usd = f.month_to_date_usd + f.daily_rate_usd * double(f.month_end_ms - now) / double(kDayMs);
    return f;
}

void BudgetTracker::set_budgets(std::vector<Budget> budgets) {
    std::lock_guard lock(m_mutex);
    m_budgets = std::move(budgets);
}

SpendByDay BudgetTracker::own_spend() const {
    std::lock_guard lock(m_mutex);
    return m_days;
}

void BudgetTracker::set_others_spend(SpendByDay others) {
    std::lock_guard lock(m_mutex);
    m_others = std::move(others);
}

std::vector<Budget> BudgetTracker::budgets() const {
    std::lock_guard lock(m_mutex);
    return m_budgets;
}

}  // namespace sb
