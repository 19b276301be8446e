// Per-attempt timeouts learned from each (model, task)'s own latency:
// clamp(P95 x multiplier, floor, ceiling) once the key has min_samples in its window, else
// the default; the router then caps it by what is left of the request's deadline.
//
// Censoring: an attempt cut off at its timeout never shows its true latency. Recording it as
// the time it ran would pin P95 at the current timeout (or drag it down), and the daemon would
// talk itself into falling back on every request. A censored attempt is therefore recorded
// as kCensoredFactor times the time it ran: when more than 5% of a window times out, P95 and
// the timeout climb step by step toward the ceiling, and fall back once real answers return.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "resilience/latency_window.h"

namespace switchyard {

struct TimeoutParams {
  int64_t default_ms = 5000;
  double p95_multiplier = 1.0;
  int64_t floor_ms = 300;
  int64_t ceiling_ms = 10000;
  int64_t min_samples = 20;
  int64_t window_ms = 900000;
};

class TimeoutPolicy {
 public:
  static constexpr double kCensoredFactor = 2.0;

  struct KeyStats {
    std::string model;
    std::string task;
    uint64_t samples = 0;
    double p50_ms = 0;
    double p95_ms = 0;
  };

  // Records one finished attempt. `censored`: it was cut off after `latency_ms`. The window
  // of a key is created with the first Record's `window_ms`.
  void Record(const std::string& model, const std::string& task, int64_t now_ms, int64_t latency_ms,
              bool censored, int64_t window_ms);

  // The timeout an attempt on (model, task) gets now.
  int64_t TimeoutFor(const std::string& model, const std::string& task, int64_t now_ms,
                     const TimeoutParams& p);

  std::vector<KeyStats> Stats(int64_t now_ms);

 private:
  std::map<std::pair<std::string, std::string>, LatencyWindow> windows_;
};

}  // namespace switchyard
