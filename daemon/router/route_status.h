// The models and routes of `status`: each model's breaker, load and learned timeouts, each
// route's spend against its budget, as the configuration `gen` has them.
#pragma once

#include <cstdint>

#include "protocol/messages.h"
#include "resilience/timeout_policy.h"
#include "router/daily_spend.h"
#include "router/generation.h"

namespace switchyard {

// The two things learned of each (model, task): answers' latency and streams' first text.
struct LearnedTimeouts {
  TimeoutPolicy* answers;
  TimeoutPolicy* first_token;
};

void FillModelsAndRoutes(const Generation& gen, const LearnedTimeouts& learned,
                         const DailySpend& spend, int64_t now_ms, int64_t wall_ms,
                         StatusResult* out);

}  // namespace switchyard
