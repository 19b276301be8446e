// The incident switchyard exists for, replayed against a real daemon and the fake provider:
// a primary answering in ~600 ms and a fast tier in ~300 ms; once timeouts have learned,
// the primary's latency jumps to 12 s for a while, then recovers. Shared by the end-to-end
// test (scaled down tenfold) and the benchmark (full scale).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "testbed.h"

namespace switchyard::testbed {

struct IncidentOptions {
  double scale = 1.0;  // every latency and duration below is multiplied by this
  int concurrency = 8;
  int warm_requests = 150;
  int64_t primary_ms = 600, primary_jitter_ms = 60;
  int64_t fallback_ms = 300, fallback_jitter_ms = 30;
  int64_t incident_latency_ms = 12000;
  int64_t incident_ms = 40000;  // how long the primary stays slow
  int64_t recovery_ms = 30000;  // how long the replay goes on after it recovers
};

// The daemon configuration the replay expects: learned timeouts and breakers at `scale`.
ClusterOptions IncidentCluster(double scale);

struct IncidentRequest {
  std::string phase;       // "before", "during", "after"
  int64_t start_ms = 0;    // since the replay began
  int64_t latency_ms = 0;  // as the client saw it
  bool ok = false;
  std::string model;  // who served
  std::vector<AttemptReport> attempts;
};

struct BreakerChange {
  int64_t at_ms;  // since the replay began
  std::string model, from, to, reason;
  int64_t open_until_ms = 0;  // since the replay began; 0 unless to == "open"
};

struct IncidentReport {
  std::vector<IncidentRequest> requests;
  std::vector<BreakerChange> transitions;  // read back from the history file
  int64_t incident_start_ms = 0, incident_end_ms = 0;
  // Calls that reached the primary during the incident (the fake provider's count).
  int64_t primary_calls_during = 0;
  int64_t healthy_timeout_ms = 0;  // the primary's learned timeout just before the incident
};

IncidentReport RunIncident(Cluster& cluster, const IncidentOptions& options);

// `concurrency` clients send requests until `more()` says stop; each result, tagged with
// `phase` and timed from `t0` (SteadyNowMs()), goes into `out` under `mu`.
void Drive(Cluster& cluster, const std::string& phase, int concurrency, int64_t t0,
           const std::function<bool()>& more, std::mutex& mu, std::vector<IncidentRequest>& out);
int64_t SteadyNowMs();
int64_t WallNowMs();
// `model`'s breaker transitions in the history file at `path` since `since_wall_ms`, as
// "from -> to (reason)".
std::vector<std::string> BreakerLines(const std::string& path, const std::string& model,
                                      int64_t since_wall_ms);

// A human summary: latency per phase, requests per model, breaker transitions.
std::string Describe(const IncidentReport& report);

}  // namespace switchyard::testbed
