// What the dashboard shows of the history: the last hour's requests a minute by route and
// the model that served, its fallbacks by route and reason, each model's outcome mix, and
// the last day's breaker transitions with each model's latest. Read from the history file
// with a read-only connection of its own (WAL: it never blocks the writer), off the loop.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace switchyard {

struct HistoryDigest {
  struct Served {
    std::string route;
    std::string model;   // "" when no model answered
    int64_t minute = 0;  // Unix minute
    int64_t requests = 0;
  };
  struct Count {
    std::string key;    // route, or model
    std::string value;  // the fallback's reason, or the attempt's outcome
    int64_t n = 0;
  };
  struct Transition {
    int64_t ts_ms = 0;
    std::string model;
    std::string from;
    std::string to;
    std::string reason;
  };
  std::vector<Served> served;           // last hour
  std::vector<Count> fallbacks;         // route -> reason, last hour
  std::vector<Count> outcomes;          // model -> outcome, last hour
  std::vector<Transition> transitions;  // last 24 h, oldest first
  std::vector<Transition> latest;       // each model's last transition, whenever it was
};

// Reads the digest of the history at `path` as of `now_ms` (wall clock).
Status ReadHistoryDigest(const std::string& path, int64_t now_ms, HistoryDigest* out);

}  // namespace switchyard
