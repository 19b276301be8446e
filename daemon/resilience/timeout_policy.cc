#include "resilience/timeout_policy.h"

#include <algorithm>
#include <cmath>

namespace switchyard {

void TimeoutPolicy::Record(const std::string& model, const std::string& task, int64_t now_ms,
                           int64_t latency_ms, bool censored, int64_t window_ms) {
  auto it = windows_.find({model, task});
  if (it == windows_.end())
    it = windows_.emplace(std::make_pair(model, task), LatencyWindow(window_ms)).first;
  double sample = static_cast<double>(latency_ms);
  if (censored) sample *= kCensoredFactor;
  it->second.Add(now_ms, sample);
}

int64_t TimeoutPolicy::TimeoutFor(const std::string& model, const std::string& task, int64_t now_ms,
                                  const TimeoutParams& p) {
  auto it = windows_.find({model, task});
  if (it == windows_.end() || it->second.Count(now_ms) < static_cast<uint64_t>(p.min_samples)) {
    return p.default_ms;
  }
  double t = std::ceil(it->second.Quantile(now_ms, 0.95) * p.p95_multiplier);
  return std::clamp(static_cast<int64_t>(t), p.floor_ms, p.ceiling_ms);
}

std::vector<TimeoutPolicy::KeyStats> TimeoutPolicy::Stats(int64_t now_ms) {
  std::vector<KeyStats> out;
  for (auto& [key, w] : windows_) {
    KeyStats s;
    s.model = key.first;
    s.task = key.second;
    s.samples = w.Count(now_ms);
    s.p50_ms = w.Quantile(now_ms, 0.5);
    s.p95_ms = w.Quantile(now_ms, 0.95);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace switchyard
