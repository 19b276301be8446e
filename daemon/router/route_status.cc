#include "router/route_status.h"

#include <algorithm>
#include <map>
#include <utility>

#include "router/params.h"

namespace switchyard {
namespace {

// The first route that uses `model`: its timeout settings are what status shows.
const RouteConfig* FirstRouteOf(const Config& config, const std::string& model) {
  for (const auto& [name, r] : config.routes) {
    if (std::find(r.tiers.begin(), r.tiers.end(), model) != r.tiers.end()) return &r;
  }
  return nullptr;
}

int64_t WallOf(int64_t mono_ms, int64_t now_ms, int64_t wall_ms) {
  return mono_ms < 0 ? 0 : wall_ms - (now_ms - mono_ms);
}

}  // namespace

void FillModelsAndRoutes(const Generation& gen, const LearnedTimeouts& learned,
                         const DailySpend& spend, int64_t now_ms, int64_t wall_ms,
                         StatusResult* out) {
  // Every (model, task) either history knows, answers or first text.
  std::map<std::pair<std::string, std::string>,
           std::pair<TimeoutPolicy::KeyStats*, TimeoutPolicy::KeyStats*>>
      keys;
  std::vector<TimeoutPolicy::KeyStats> answers = learned.answers->Stats(now_ms);
  std::vector<TimeoutPolicy::KeyStats> first_text = learned.first_token->Stats(now_ms);
  for (auto& k : answers) keys[{k.model, k.task}].first = &k;
  for (auto& k : first_text) keys[{k.model, k.task}].second = &k;

  for (const auto& [name, rt] : gen.models) {
    Breaker& breaker = rt.health->breaker();
    bool closed = breaker.state() == BreakerState::kClosed;
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
    const RouteConfig* route = FirstRouteOf(*gen.config, name);
    TimeoutParams params = route ? TimeoutParamsOf(*route) : TimeoutParams();
    TimeoutParams first_params = route ? FirstTokenParamsOf(*route) : TimeoutParams();
    ms.timeout_ms = learned.answers->TimeoutFor(name, "default", now_ms, params, closed).ms;
    for (const auto& [key, stats] : keys) {
      if (key.first != name) continue;
      const std::string& task = key.second;
      TaskStatus ts;
      ts.task = task;
      TimeoutPolicy::Timeout t = learned.answers->TimeoutFor(name, task, now_ms, params, closed);
      ts.timeout_ms = t.ms;
      ts.frozen_since_ms = WallOf(t.frozen_since_ms, now_ms, wall_ms);
      bool own = t.frozen_since_ms >= 0 ||
                 (stats.first && stats.first->samples >= static_cast<uint64_t>(params.min_samples));
      ts.timeout_source = t.from_fleet ? "fleet" : own ? "learned" : "default";
      if (const TimeoutPolicy::KeyStats* a = stats.first) {
        ts.samples = static_cast<int64_t>(a->samples);
        ts.p50_ms = a->p50_ms;
        ts.p95_ms = a->p95_ms;
        ts.censored_share =
            a->samples ? static_cast<double>(a->censored) / static_cast<double>(a->samples) : 0;
        ts.fleet_samples = static_cast<int64_t>(a->fleet_samples);
      }
      TimeoutPolicy::Timeout f =
          learned.first_token->TimeoutFor(name, task, now_ms, first_params, closed);
      ts.first_token_timeout_ms = f.ms;
      ts.first_token_frozen_since_ms = WallOf(f.frozen_since_ms, now_ms, wall_ms);
      if (const TimeoutPolicy::KeyStats* s = stats.second) {
        ts.first_token_samples = static_cast<int64_t>(s->samples);
        ts.first_token_p95_ms = s->p95_ms;
        ts.first_token_censored_share =
            s->samples ? static_cast<double>(s->censored) / static_cast<double>(s->samples) : 0;
      }
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
