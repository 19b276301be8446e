// The configuration, read once, as the parameters the pure classes take: a route's timeouts,
// a model's breaker, the retry budget, a route's answer checks.
#pragma once

#include <cstdint>

#include "answer/answer_checks.h"
#include "config/config.h"
#include "resilience/breaker.h"
#include "resilience/retry_budget.h"
#include "resilience/timeout_policy.h"

namespace switchyard {

TimeoutParams TimeoutParamsOf(const RouteConfig& route);
// The same for a stream's time to its first text: only the default differs.
TimeoutParams FirstTokenParamsOf(const RouteConfig& route);
BreakerParams BreakerParamsOf(const BreakerConfig& breaker);
RetryBudgetParams RetryParamsOf(const RetryConfig& retry);
// The budget of hedges and probes, per route: retry.extra_load_percent.
RetryBudgetParams ExtraLoadParamsOf(const RetryConfig& retry);
AnswerChecks ChecksOf(const ChecksConfig& checks);
// Model calls one request may make, retries included.
int64_t MaxAttempts(const RouteConfig& route);

}  // namespace switchyard
