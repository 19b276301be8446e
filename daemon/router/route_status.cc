#include "router/route_status.h"

#include <algorithm>

#include "router/params.h"

namespace switchyard {

void FillModelsAndRoutes(const Generation& gen, TimeoutPolicy& policy, const DailySpend& spend,
                         int64_t now_ms, int64_t wall_ms, StatusResult* out) {
  std::vector<TimeoutPolicy::KeyStats> learned = policy.Stats(now_ms);
  for (const auto& [name, rt] : gen.models) {
    Breaker& breaker = rt.health->breaker();
    ModelStatus ms;
    ms.name = name;
    ms.provider = rt.config->provider;
    ms.breaker = BreakerStateName(breaker.state());
    ms.failure_rate = breaker.failure_rate(now_ms);
    ms.slow_call_rate = breaker.slow_rate(now_ms);
    ms.window_calls = breaker.calls(now_ms);
    if (breaker.state() == BreakerState::kOpen) {
      ms.half_open_in_ms = std::max<int64_t>(0, breaker.open_until_ms() - now_ms);
    }
    ms.in_flight = rt.health->in_flight();
    // Timeouts as the first route that uses this model would give them.
    const RouteConfig* route = nullptr;
    for (const auto& [rname, r] : gen.config->routes) {
      if (std::find(r.tiers.begin(), r.tiers.end(), name) != r.tiers.end()) {
        route = &r;
        break;
      }
    }
    TimeoutParams params = route ? TimeoutParamsOf(*route) : TimeoutParams();
    ms.timeout_ms = policy.TimeoutFor(name, "default", now_ms, params);
    for (const TimeoutPolicy::KeyStats& k : learned) {
      if (k.model != name) continue;
      TaskStatus ts;
      ts.task = k.task;
      ts.samples = static_cast<int64_t>(k.samples);
      ts.p50_ms = k.p50_ms;
      ts.p95_ms = k.p95_ms;
      ts.timeout_ms = policy.TimeoutFor(name, k.task, now_ms, params);
      ms.tasks.push_back(std::move(ts));
    }
    out->models.push_back(std::move(ms));
  }
  for (const auto& [name, r] : gen.config->routes) {
    RouteStatus rs;
    rs.name = name;
    rs.budget_usd_per_day = r.budget_usd_per_day;
    rs.spent_today_usd = spend.Spent(name, wall_ms);
    rs.over_budget = OverBudget(spend, r, wall_ms);
    rs.start_tier = rs.over_budget ? r.over_budget_tier : r.tiers.front();
    out->routes.push_back(std::move(rs));
  }
}

}  // namespace switchyard
