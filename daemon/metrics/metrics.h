// What Prometheus scrapes from switchyardd (GET /metrics): counters and latency histograms
// fed by every request, probe and breaker transition as the history gets them (see
// metered_store.h), and gauges read off the daemon's status at scrape time. Names follow
// Prometheus' conventions: the switchyard_ prefix, _total for counters, _seconds for time.
// Pure; loop thread only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "protocol/messages.h"
#include "store/store.h"

namespace switchyard {

class Metrics {
 public:
  void OnRequest(const RequestRecord& r);
  void OnProbe(const std::string& route, const AttemptRecord& a);
  void OnTransition(const BreakerTransitionRecord& t);

  // The exposition: everything counted so far, then the gauges of `status`.
  std::string Render(const StatusResult& status) const;

 private:
  // Upper bounds, in seconds, of the latency histograms' buckets.
  static constexpr std::array<double, 12> kBuckets = {0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                      2.5,   5,    10,  20,   30,  60};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};  // per bucket, not cumulative
    uint64_t count = 0;
    double sum = 0;
    void Observe(double seconds);
  };
  void OnAttempt(const std::string& route, const AttemptRecord& a);

  std::map<std::array<std::string, 2>, uint64_t> requests_;     // route, outcome
  std::map<std::array<std::string, 2>, uint64_t> calls_;        // model, outcome
  std::map<std::array<std::string, 2>, uint64_t> skipped_;      // model, outcome
  std::map<std::array<std::string, 4>, uint64_t> fallbacks_;    // route, from, to, reason
  std::map<std::array<std::string, 2>, double> cost_;           // route, model
  std::map<std::array<std::string, 2>, uint64_t> transitions_;  // model, to
  std::map<std::string, Histogram> call_seconds_;               // by model
  std::map<std::string, Histogram> first_token_seconds_;        // by model
};

}  // namespace switchyard
