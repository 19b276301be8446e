// What crosses Redis between the hosts of a fleet, as JSON (schema/fleet.md): a breaker's
// verdict, and one host's latency summaries. Model names, task names, host names, times,
// counts and breaker reasons; never prompt text, answers or keys. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "resilience/latency_window.h"

namespace switchyard {

// A breaker that opened or closed on one host, for every other host to apply.
struct FleetBreakerEvent {
  std::string model;
  bool open = false;           // "open", else "closed"
  int64_t open_until_ms = 0;   // wall clock, for open
  int64_t cooldown_ms = 0;     // the cool-down it opened with, before jitter: the next is longer
  std::string host;            // fleet.host of the host it happened on
  std::string instance;        // that process, so a host knows its own messages
  std::string reason;
  int64_t ts_ms = 0;  // wall clock
};

std::string EncodeBreakerEvent(const FleetBreakerEvent& e);
Status DecodeBreakerEvent(std::string_view json, FleetBreakerEvent* out);

// One (kind, model, task)'s latency window on one host: its histograms, bucket for bucket.
struct LatencySummary {
  std::string kind;  // "answer" or "first_token"
  std::string model;
  std::string task;
  LatencyHistogram all;       // every sample, cut-off ones at their cutoff
  LatencyHistogram censored;  // the cut-off ones
};

struct HostSummaries {
  std::string host;
  std::string instance;
  int64_t ts_ms = 0;  // wall clock
  std::vector<LatencySummary> summaries;
};

std::string EncodeHostSummaries(const HostSummaries& h);
Status DecodeHostSummaries(std::string_view json, HostSummaries* out);

}  // namespace switchyard
