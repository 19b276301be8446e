#include "resilience/timeout_policy.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace switchyard {

void TimeoutPolicy::Record(const std::string& model, const std::string& task, int64_t now_ms,
                           int64_t latency_ms, bool censored, int64_t window_ms) {
  auto it = keys_.find({model, task});
  if (it == keys_.end()) it = keys_.emplace(std::make_pair(model, task), Key(window_ms)).first;
  Key& k = it->second;
  k.window.Add(now_ms, static_cast<double>(latency_ms), censored);
  constexpr uint32_t kMask = (1u << kRecent) - 1;
  k.recent = ((k.recent << 1) | (censored ? 1u : 0u)) & kMask;
  k.recent_count = std::min(k.recent_count + 1, kRecent);
}

bool TimeoutPolicy::Troubled(const Key& k) {
  if (k.recent_count == 0) return false;
  return std::popcount(k.recent) > kTroubleShare * k.recent_count;
}

TimeoutPolicy::Timeout TimeoutPolicy::TimeoutFor(const std::string& model, const std::string& task,
                                                 int64_t now_ms, const TimeoutParams& p,
                                                 bool breaker_closed) {
  auto it = keys_.find({model, task});
  if (it == keys_.end()) return Borrowed({model, task}, nullptr, now_ms, p);
  Key& k = it->second;
  // Where the P95 lies among cut-off samples whose true latencies are unknown (more than 5%
  // of the window cut off, and no answer above them), the window cannot say where the
  // timeout belongs either.
  // The breaker and the recent samples are looked at first: when they freeze the timeout,
  // the window is not scanned.
  bool frozen = k.healthy_ms >= 0 && (!breaker_closed || Troubled(k));
  uint64_t count = k.window.Count(now_ms);
  double p95 = frozen ? -1 : k.window.KnownQuantile(now_ms, 0.95);
  if ((frozen || p95 < 0) && k.healthy_ms >= 0) {
    if (k.frozen_since_ms < 0) k.frozen_since_ms = now_ms;
    return {k.healthy_ms, k.frozen_since_ms};
  }
  k.frozen_since_ms = -1;
  if (count < static_cast<uint64_t>(p.min_samples))
    return Borrowed(it->first, &k.window, now_ms, p);
  if (p95 < 0) p95 = k.window.Quantile(now_ms, 0.95);  // never learned: a lower bound
  double t = std::ceil(p95 * p.p95_multiplier);
  k.healthy_ms = std::clamp(static_cast<int64_t>(t), p.floor_ms, p.ceiling_ms);
  return {k.healthy_ms, -1};
}

TimeoutPolicy::Timeout TimeoutPolicy::Borrowed(const Key2& key, LatencyWindow* own, int64_t now_ms,
                                               const TimeoutParams& p) {
  auto f = fleet_.find(key);
  if (f == fleet_.end()) return {p.default_ms, -1};
  LatencyHistogram all = f->second.all;
  LatencyHistogram censored = f->second.censored;
  if (own) {
    LatencyHistogram mine, mine_censored;
    own->Export(now_ms, &mine, &mine_censored);
    all.Merge(mine);
    censored.Merge(mine_censored);
  }
  if (all.count() < static_cast<uint64_t>(p.min_samples)) return {p.default_ms, -1};
  double p95 = KaplanMeierQuantile(all, censored, 0.95);
  if (p95 < 0) return {p.default_ms, -1};  // the fleet's samples cannot place it either
  double t = std::ceil(p95 * p.p95_multiplier);
  return {std::clamp(static_cast<int64_t>(t), p.floor_ms, p.ceiling_ms), -1, true};
}

std::vector<TimeoutPolicy::Window> TimeoutPolicy::Windows(int64_t now_ms) {
  std::vector<Window> out;
  for (auto& [key, k] : keys_) {
    if (k.window.Count(now_ms) == 0) continue;
    Window w;
    w.model = key.first;
    w.task = key.second;
    k.window.Export(now_ms, &w.all, &w.censored);
    out.push_back(std::move(w));
  }
  return out;
}

void TimeoutPolicy::Forget(const std::string& model) {
  for (auto it = keys_.begin(); it != keys_.end();) {
    it = it->first.first == model ? keys_.erase(it) : std::next(it);
  }
}

std::vector<TimeoutPolicy::KeyStats> TimeoutPolicy::Stats(int64_t now_ms) {
  std::vector<KeyStats> out;
  for (auto& [key, k] : keys_) {
    KeyStats s;
    s.model = key.first;
    s.task = key.second;
    s.samples = k.window.Count(now_ms);
    s.censored = k.window.Censored(now_ms);
    s.p50_ms = k.window.Quantile(now_ms, 0.5);
    s.p95_ms = k.window.Quantile(now_ms, 0.95);
    auto f = fleet_.find(key);
    if (f != fleet_.end()) s.fleet_samples = f->second.all.count();
    out.push_back(std::move(s));
  }
  // Keys only the fleet has seen: a new host's timeouts come from these.
  for (const auto& [key, f] : fleet_) {
    if (keys_.count(key)) continue;
    KeyStats s;
    s.model = key.first;
    s.task = key.second;
    s.fleet_samples = f.all.count();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace switchyard
