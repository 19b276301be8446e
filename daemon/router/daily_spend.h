// What each route has spent today (UTC), for daily budgets. Rebuilt from the history at
// start, so a restart does not reset a spent budget. Loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "config/config.h"

namespace switchyard {

class DailySpend {
 public:
  // Adds `usd` spent by `route` at wall time `wall_ms`.
  void Add(const std::string& route, int64_t wall_ms, double usd);
  // Spent by `route` on the UTC day of `wall_ms`.
  double Spent(const std::string& route, int64_t wall_ms) const;

  static int64_t DayOf(int64_t wall_ms) { return wall_ms / 86400000; }

 private:
  struct Day {
    int64_t day = -1;
    double usd = 0;
  };
  std::map<std::string, Day> by_route_;
};

// Whether `route` has spent its daily budget on the UTC day of `wall_ms` (then its requests
// start at its over_budget_tier).
bool OverBudget(const DailySpend& spend, const RouteConfig& route, int64_t wall_ms);

}  // namespace switchyard
