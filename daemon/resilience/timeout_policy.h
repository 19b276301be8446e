// Per-attempt timeouts learned from each (model, task)'s own latency:
// clamp(P95 x multiplier, floor, ceiling) once the key has min_samples in its window, else
// the default; the router then caps it by what is left of the request's deadline.
//
// Three rules keep the timeout where it belongs through an incident:
//  - Censoring at the cutoff. An attempt cut off at its timeout never shows its true latency;
//    it is recorded as a sample at its timeout, marked censored (as Finagle's backup-request
//    filter records a timed-out request at its cutoff). The P95 is read from the Kaplan-Meier
//    estimate (latency_window.h): while at most 5% of a window is censored above its 95th
//    rank, that is the exact rank whatever the true latencies were; and cut-off calls kept
//    running to learn their latency (router/tail_watch.h) say where it lies when more were
//    cut off. Fast failures are no samples at all.
//  - Freeze during trouble. When more than 5% of a key's last 20 samples were censored (or
//    the window leaves its P95 unknown among them), or its model's breaker is not closed,
//    the timeout stays at the last value it had while
//    healthy instead of moving with censored samples (as TCP keeps its timer through
//    retransmissions, RFC 6298). It learns again, from where the window then is, once the
//    recent samples are clean and the breaker closed.
//  - A host new to a key borrows the fleet's. While a key's own window holds fewer than
//    min_samples, and the other hosts of a fleet (fleet/fleet.h) have published theirs, the
//    P95 is read from the sum of its own window and theirs, bucket for bucket: the estimate
//    one host would have made had it seen every sample itself.
//  - A model that changed for good is forgotten: Forget() drops its samples so that what it
//    answers now is learned afresh (see the router's probes).
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
  // Recent samples over which trouble is judged, and the censored share that is trouble.
  static constexpr int kRecent = 20;
  static constexpr double kTroubleShare = 0.05;

  struct Timeout {
    int64_t ms = 0;
    int64_t frozen_since_ms = -1;  // >= 0: frozen at its last healthy value since then
    bool from_fleet = false;       // learned from the fleet's samples, its own too few
  };

  // The other hosts' samples of one key, summed.
  struct FleetSamples {
    LatencyHistogram all;
    LatencyHistogram censored;
  };
  using Key2 = std::pair<std::string, std::string>;  // (model, task)

  // One key's window, to publish to the fleet.
  struct Window {
    std::string model;
    std::string task;
    LatencyHistogram all;
    LatencyHistogram censored;
  };

  struct KeyStats {
    std::string model;
    std::string task;
    uint64_t samples = 0;
    uint64_t censored = 0;
    double p50_ms = 0;
    double p95_ms = 0;
    uint64_t fleet_samples = 0;  // the other hosts' samples it may borrow
  };

  // Records one finished attempt: its latency, or, `censored`, the timeout it was cut off at.
  // The window of a key is created with the first Record's `window_ms`.
  void Record(const std::string& model, const std::string& task, int64_t now_ms, int64_t latency_ms,
              bool censored, int64_t window_ms);

  // The timeout an attempt on (model, task) gets now. `breaker_closed`: its model's breaker
  // is closed (otherwise the timeout is frozen, if it was ever learned).
  Timeout TimeoutFor(const std::string& model, const std::string& task, int64_t now_ms,
                     const TimeoutParams& p, bool breaker_closed = true);

  // Drops every sample and the healthy value of `model`, all tasks.
  void Forget(const std::string& model);

  std::vector<KeyStats> Stats(int64_t now_ms);

  // The fleet's view, replacing the last one; an empty map forgets it.
  void SetFleetView(std::map<Key2, FleetSamples> view) { fleet_ = std::move(view); }
  // Every key's window that holds samples now.
  std::vector<Window> Windows(int64_t now_ms);

 private:
  struct Key {
    explicit Key(int64_t window_ms) : window(window_ms) {}
    LatencyWindow window;
    uint32_t recent = 0;  // bit i: the i-th newest sample was censored
    int recent_count = 0;
    int64_t healthy_ms = -1;
    int64_t frozen_since_ms = -1;
  };
  static bool Troubled(const Key& k);
  // The timeout from the fleet's samples plus `own` (null: none), or the default.
  Timeout Borrowed(const Key2& key, LatencyWindow* own, int64_t now_ms, const TimeoutParams& p);

  std::map<Key2, Key> keys_;
  std::map<Key2, FleetSamples> fleet_;
};

}  // namespace switchyard
