#include "router/attempt.h"

namespace switchyard {

double CostUsd(const ModelConfig& m, const Usage& u) {
  return (static_cast<double>(u.input_tokens) * m.input_usd_per_mtok +
          static_cast<double>(u.output_tokens) * m.output_usd_per_mtok) /
         1e6;
}

AttemptReport Attempt::Report() const {
  AttemptReport a;
  a.model = model;
  a.outcome = outcome;
  a.latency_ms = latency_ms;
  a.reason = reason;
  a.http_status = http_status;
  a.usage = usage;
  a.cost_usd = cost_usd;
  a.timeout_ms = timeout_ms;
  a.truncated = truncated;
  a.truncation = truncation;
  a.ttft_ms = ttft_ms < 0 ? 0 : ttft_ms;
  a.last_tier = last_tier;
  return a;
}

AttemptRecord Attempt::Record() const {
  AttemptRecord r;
  r.ts_ms = wall_start_ms;
  r.model = model;
  r.latency_ms = latency_ms;
  r.outcome = outcome;
  r.reason = reason;
  r.http_status = http_status;
  r.input_tokens = usage.input_tokens;
  r.output_tokens = usage.output_tokens;
  r.cost_usd = cost_usd;
  r.timeout_ms = timeout_ms;
  r.stream = stream;
  r.ttft_ms = ttft_ms;
  r.truncated = truncated;
  r.tokens_before = tokens_before;
  r.tokens_after = tokens_after;
  r.est_tokens = est_tokens;
  r.called = called;
  r.last_tier = last_tier;
  r.probe = probe;
  r.tool_calls = tool_calls;
  return r;
}

}  // namespace switchyard
