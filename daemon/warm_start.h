// What a starting daemon learns back from its history: the latency windows (so its learned
// timeouts survive a restart), the token estimate's calibration, today's spend per route
// (for budgets), and each model's last breaker transition (so an open breaker stays open for
// the rest of its cool-down). Before the history's writer starts.
#pragma once

#include <map>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"
#include "prompt/token_calibration.h"
#include "resilience/timeout_policy.h"
#include "router/daily_spend.h"
#include "store/sqlite_store.h"

namespace switchyard {

// Where what is read goes; each must outlive the call.
struct WarmState {
  TimeoutPolicy* policy = nullptr;
  TimeoutPolicy* first_token_policy = nullptr;
  TokenCalibration* calibration = nullptr;
  DailySpend* spend = nullptr;
  std::map<std::string, BreakerTransitionRecord>* last_transition = nullptr;  // by model
};

Status WarmStart(SqliteStore& store, const Config& config, const Clock& clock,
                 const WarmState& into);

}  // namespace switchyard
