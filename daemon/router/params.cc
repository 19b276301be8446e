#include "router/params.h"

namespace switchyard {

TimeoutParams TimeoutParamsOf(const RouteConfig& r) {
  TimeoutParams p;
  p.default_ms = r.timeout.default_ms;
  p.p95_multiplier = r.timeout.p95_multiplier;
  p.floor_ms = r.timeout.floor_ms;
  p.ceiling_ms = r.timeout.ceiling_ms;
  p.min_samples = r.timeout.min_samples;
  p.window_ms = r.timeout.window_s * 1000;
  return p;
}

TimeoutParams FirstTokenParamsOf(const RouteConfig& r) {
  TimeoutParams p = TimeoutParamsOf(r);
  p.default_ms = r.timeout.first_token_default_ms;
  return p;
}

BreakerParams BreakerParamsOf(const BreakerConfig& b) {
  BreakerParams p;
  p.window_ms = b.window_s * 1000;
  p.min_calls = b.min_calls;
  p.failure_rate = b.failure_rate;
  p.slow_rate = b.slow_rate;
  p.consecutive_failures = b.consecutive_failures;
  p.consecutive_timeouts = b.consecutive_timeouts;
  p.cooldown_ms = b.cooldown_ms;
  p.cooldown_multiplier = b.cooldown_multiplier;
  p.max_cooldown_ms = b.max_cooldown_ms;
  p.jitter = b.jitter;
  p.half_open_probes = b.half_open_probes;
  return p;
}

RetryBudgetParams RetryParamsOf(const RetryConfig& r) {
  return RetryBudgetParams{r.budget_percent, r.min_retries, r.window_s * 1000};
}

RetryBudgetParams ExtraLoadParamsOf(const RetryConfig& r) {
  return RetryBudgetParams{r.extra_load_percent, r.min_retries, r.window_s * 1000};
}

AnswerChecks ChecksOf(const ChecksConfig& c) {
  AnswerChecks a;
  a.empty = c.empty;
  a.length = c.length;
  a.content_filter = c.content_filter;
  a.incomplete_stream = c.incomplete_stream;
  a.json = c.json;
  a.repetition = c.repetition;
  a.tool_calls = c.tool_calls;
  a.schema = c.schema;
  return a;
}

int64_t MaxAttempts(const RouteConfig& r) {
  return r.max_attempts > 0 ? r.max_attempts : static_cast<int64_t>(r.tiers.size()) + 1;
}

}  // namespace switchyard
