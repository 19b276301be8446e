// One model call made for a request, or a tier passed over without one: the one record a
// walk keeps of it as it goes, turned into what the client is told (AttemptReport) and the
// history's row (AttemptRecord) when the request ends.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.h"
#include "protocol/messages.h"
#include "store/store.h"

namespace switchyard {

// What `usage` of model `m` costs, in USD.
double CostUsd(const ModelConfig& m, const Usage& u);

struct Attempt {
  std::string model;
  bool called = true;         // false: a tier passed over (breaker open, no slot, too long)
  int64_t wall_start_ms = 0;  // when it started (or was passed over)
  std::string outcome = "in_progress";
  std::string reason;
  int64_t latency_ms = 0;
  int64_t http_status = 0;
  Usage usage;
  double cost_usd = 0;
  int64_t timeout_ms = 0;  // the soft timeout it was given
  // The last tier that could be called, kept past its soft timeout up to the ceiling or the
  // deadline rather than cut off with nothing left to try.
  bool last_tier = false;
  // A half-open breaker's probe: a copy of a request nobody waits on (see router/probe.h).
  bool probe = false;
  bool stream = false;
  int64_t ttft_ms = -1;    // streams: time to the first text; -1 if none came
  bool truncated = false;  // the prompt sent was shortened to fit the model's window
  Truncation truncation;
  int64_t tokens_before = 0;  // calibrated estimates of the prompt as given and as sent
  int64_t tokens_after = 0;
  int64_t est_tokens = 0;  // uncalibrated estimate of the prompt sent
  int64_t tool_calls = 0;  // tool calls its answer held

  AttemptReport Report() const;
  AttemptRecord Record() const;
};

}  // namespace switchyard
