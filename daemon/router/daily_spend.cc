#include "router/daily_spend.h"

namespace switchyard {

void DailySpend::Add(const std::string& route, int64_t wall_ms, double usd) {
  Day& d = by_route_[route];
  int64_t day = DayOf(wall_ms);
  if (d.day != day) {
    // A request that started before midnight and ended after counts on the day it started;
    // a new day starts from zero.
    if (day < d.day) return;
    d.day = day;
    d.usd = 0;
  }
  d.usd += usd;
}

double DailySpend::Spent(const std::string& route, int64_t wall_ms) const {
  auto it = by_route_.find(route);
  if (it == by_route_.end() || it->second.day != DayOf(wall_ms)) return 0;
  return it->second.usd;
}

bool OverBudget(const DailySpend& spend, const RouteConfig& route, int64_t wall_ms) {
  return route.budget_usd_per_day > 0 &&
         spend.Spent(route.name, wall_ms) >= route.budget_usd_per_day;
}

}  // namespace switchyard
