#include "warm_start.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/utf8.h"

namespace switchyard {

Status WarmStart(SqliteStore& store, const Config& config, const Clock& clock,
                 const WarmState& into) {
  int64_t window_ms = 0;
  for (const auto& [name, r] : config.routes)
    window_ms = std::max(window_ms, r.timeout.window_s * 1000);
  std::map<std::string, int64_t> window_of;  // model -> window of the first route using it
  for (const auto& [name, r] : config.routes) {
    for (const std::string& m : r.tiers) window_of.emplace(m, r.timeout.window_s * 1000);
  }
  int64_t now_wall = clock.WallMs();
  int64_t now_mono = clock.NowMs();
  int64_t loaded = 0;
  int64_t not_utf8 = 0;
  SY_RETURN_IF_ERROR(store.LoadAttempts(now_wall - window_ms, [&](const LoadedAttempt& a) {
    auto it = window_of.find(a.model);
    if (it == window_of.end()) return;  // a model no longer configured
    // Older daemons let any bytes into `task`; such a key would make `status` undecodable.
    if (!IsValidUtf8(a.task)) {
      ++not_utf8;
      return;
    }
    (a.first_token ? into.first_token_policy : into.policy)
        ->Record(a.model, a.task, now_mono - (now_wall - a.end_ms), a.latency_ms, a.censored,
                 it->second);
    ++loaded;
  }));
  // The token estimate's calibration from a week of answers; today's spend for budgets.
  SY_RETURN_IF_ERROR(store.LoadCalibration(
      now_wall - 7 * 86400000LL, [&](const std::string& model, int64_t est, int64_t actual) {
        into.calibration->Restore(model, est, actual);
      }));
  SY_RETURN_IF_ERROR(store.LoadSpend(now_wall, [&](const std::string& route, double usd) {
    into.spend->Add(route, now_wall, usd);
  }));
  int64_t max_cooldown = config.breaker.max_cooldown_ms;
  for (const auto& [name, m] : config.models)
    max_cooldown = std::max(max_cooldown, m.breaker.max_cooldown_ms);
  SY_RETURN_IF_ERROR(store.LoadBreakerTransitions(
      now_wall - std::max<int64_t>(max_cooldown, 86400000),
      [&](const BreakerTransitionRecord& t) { (*into.last_transition)[t.model] = t; }));
  spdlog::info("history {}: {} latency sample(s) from the last {} s reloaded",
               config.daemon.history, loaded, window_ms / 1000);
  if (not_utf8 > 0) {
    spdlog::warn("history {}: {} latency sample(s) left out: their task is not valid UTF-8",
                 config.daemon.history, not_utf8);
  }
  return Status::Ok();
}

}  // namespace switchyard
