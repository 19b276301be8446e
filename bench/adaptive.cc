#include "adaptive.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "incident.h"
#include "resilience/retry_budget.h"
#include "resilience/timeout_policy.h"

namespace switchyard::bench {
namespace {

using testbed::Cluster;
using testbed::IncidentRequest;
using testbed::SteadyNowMs;

constexpr int kClients = 8;
constexpr const char* kPrimary = "gpt-4o";

std::string Latency(int64_t ms, int64_t jitter) {
  return "latency_ms=" + std::to_string(ms) + "&jitter_ms=" + std::to_string(jitter);
}

// The primary's (task "default") learned timeout and P95, as `status` has them.
struct Learned {
  int64_t t_ms = 0;  // since the scenario began
  int64_t timeout_ms = 0;
  double p95_ms = 0;
  bool frozen = false;
  std::string breaker;
};

Learned Status(Cluster& cluster, const std::string& model, int64_t t0) {
  Learned l;
  l.t_ms = SteadyNowMs() - t0;
  auto c = cluster.Connect();
  for (const ModelStatus& m : c->GetStatus().result.models) {
    if (m.name != model) continue;
    l.timeout_ms = m.timeout_ms;
    l.breaker = m.breaker;
    for (const TaskStatus& t : m.tasks) {
      if (t.task != "default") continue;
      l.timeout_ms = t.timeout_ms;
      l.p95_ms = t.p95_ms;
      l.frozen = t.frozen_since_ms > 0;
    }
  }
  return l;
}

// Samples the primary's timeout every 100 ms while it lives.
class Watch {
 public:
  Watch(Cluster& cluster, int64_t t0)
      : thread_([this, &cluster, t0] {
          while (!stop_) {
            Learned l = Status(cluster, kPrimary, t0);
            {
              std::lock_guard<std::mutex> lock(mu_);
              seen_.push_back(l);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }) {}
  ~Watch() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Learned> Between(int64_t from_ms, int64_t to_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Learned> out;
    for (const Learned& l : seen_) {
      if (l.t_ms >= from_ms && l.t_ms < to_ms) out.push_back(l);
    }
    return out;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Learned> seen_;
  std::thread thread_;
};

// gpt-4o's breaker transitions in the history, from `t0` (steady) on.
void PrintBreaker(Cluster& cluster, int64_t t0) {
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the writer's last commit
  int64_t since = testbed::WallNowMs() - (SteadyNowMs() - t0);
  std::vector<std::string> lines = testbed::BreakerLines(cluster.history_path(), kPrimary, since);
  std::printf("  gpt-4o's breaker moved %zu times", lines.size());
  for (size_t i = 0; i < lines.size() && i < 4; ++i) {
    std::printf("%s %s", i ? ";" : ":", lines[i].c_str());
  }
  std::printf("%s\n", lines.size() > 4 ? "; ..." : "");
}

void Warm(Cluster& cluster, int64_t t0, std::mutex& mu, std::vector<IncidentRequest>& out) {
  std::atomic<int> n{0};
  testbed::Drive(
      cluster, "before", kClients, t0, [&] { return n.fetch_add(1) < 150; }, mu, out);
}

// gpt-4o at ~600 ms and gpt-4o-mini at ~300 ms, 150 requests to learn them.
void HealthyStart(Cluster& cluster, int64_t t0, std::mutex& mu, std::vector<IncidentRequest>& out) {
  cluster.fake().SetFault(kPrimary, Latency(600, 60));
  cluster.fake().SetFault("gpt-4o-mini", Latency(300, 30));
  Warm(cluster, t0, mu, out);
}

// The primary's timeout over `seen`: lowest and highest, and the largest distance from
// `healthy` as a share of it.
void PrintTimeouts(const char* what, const std::vector<Learned>& seen, int64_t healthy) {
  int64_t lo = INT64_MAX, hi = 0;
  int frozen = 0;
  for (const Learned& l : seen) {
    lo = std::min(lo, l.timeout_ms);
    hi = std::max(hi, l.timeout_ms);
    frozen += l.frozen ? 1 : 0;
  }
  if (seen.empty()) lo = 0;
  double off = healthy > 0 ? 100.0 * static_cast<double>(std::max(hi - healthy, healthy - lo)) /
                                 static_cast<double>(healthy)
                           : 0;
  std::printf(
      "  %s: timeout in force %lld-%lld ms against %lld healthy (at most %.1f%% off); "
      "frozen in %d of %zu samples\n",
      what, static_cast<long long>(lo), static_cast<long long>(hi), static_cast<long long>(healthy),
      off, frozen, seen.size());
}

void S1Incident() {
  std::printf("\nS1, the seed's incident: gpt-4o ~600 ms, then 12 s for 30 s, then ~600 ms\n");
  Cluster cluster(testbed::IncidentCluster(1.0));
  testbed::IncidentOptions o;
  o.incident_ms = 30000;
  o.recovery_ms = 40000;
  int64_t t0 = SteadyNowMs();
  Watch watch(cluster, t0);
  testbed::IncidentReport r = testbed::RunIncident(cluster, o);
  watch.Stop();
  // RunIncident times from its own start, a moment after t0: close enough for 100 ms samples.
  int64_t max_during = 0, fallback_max = 0;
  for (const IncidentRequest& q : r.requests) {
    if (q.phase != "during") continue;
    max_during = std::max(max_during, q.latency_ms);
    for (const AttemptReport& a : q.attempts) {
      if (a.model != kPrimary && a.outcome == "ok")
        fallback_max = std::max(fallback_max, a.latency_ms);
    }
  }
  int64_t bound = r.healthy_timeout_ms + fallback_max + 50;
  std::printf(
      "  max user latency during the incident %lld ms; healthy timeout %lld + slowest "
      "fallback answer %lld + 50 = %lld ms: %s\n",
      static_cast<long long>(max_during), static_cast<long long>(r.healthy_timeout_ms),
      static_cast<long long>(fallback_max), static_cast<long long>(bound),
      max_during <= bound ? "within" : "OVER");
  PrintTimeouts("during", watch.Between(r.incident_start_ms, r.incident_end_ms),
                r.healthy_timeout_ms);
  int64_t cooldown = 0;
  for (const testbed::BreakerChange& b : r.transitions) {
    if (b.model == kPrimary && b.to == "open" && b.at_ms <= r.incident_end_ms) {
      cooldown = b.open_until_ms - b.at_ms;
    }
  }
  int64_t back = -1;
  for (const IncidentRequest& q : r.requests) {
    if (q.phase == "after" && q.ok && q.model == kPrimary && (back < 0 || q.start_ms < back)) {
      back = q.start_ms;
    }
  }
  std::printf("  back on gpt-4o %lld ms after it healed; the cool-down in force then: %lld ms\n",
              static_cast<long long>(back < 0 ? -1 : back - r.incident_end_ms),
              static_cast<long long>(cooldown));
  std::printf("  calls that reached gpt-4o during the incident: %lld (probes among them)\n",
              static_cast<long long>(r.primary_calls_during));
}

void S2SlowerForGood() {
  std::printf("\nS2, slower for good: gpt-4o ~600 ms, then ~1.5 s from then on\n");
  Cluster cluster(testbed::IncidentCluster(1.0));
  std::mutex mu;
  std::vector<IncidentRequest> out;
  int64_t t0 = SteadyNowMs();
  HealthyStart(cluster, t0, mu, out);
  cluster.fake().SetFault(kPrimary, Latency(1500, 50));
  int64_t change = SteadyNowMs() - t0;
  // Done once 18 of the last 20 answers came from gpt-4o, or after 180 s.
  std::atomic<int64_t> reached{-1};
  int64_t end = SteadyNowMs() + 180000;
  testbed::Drive(
      cluster, "after", kClients, t0,
      [&] {
        if (SteadyNowMs() >= end) return false;
        std::lock_guard<std::mutex> lock(mu);
        int primary = 0, n = 0;
        for (auto it = out.rbegin(); it != out.rend() && n < 20 && it->phase == "after"; ++it) {
          ++n;
          primary += it->model == kPrimary ? 1 : 0;
        }
        if (n == 20 && primary >= 18 && reached < 0) reached = out.back().start_ms - change;
        return reached < 0 || SteadyNowMs() - t0 < change + reached + 3000;
      },
      mu, out);
  Learned l = Status(cluster, kPrimary, t0);
  std::printf(
      "  >= 90%% served by gpt-4o again %lld ms after it slowed (window_s: 900 s); its "
      "timeout now %lld ms, P95 %.0f ms\n",
      static_cast<long long>(reached.load()), static_cast<long long>(l.timeout_ms), l.p95_ms);
}

void S3SomeHang() {
  std::printf("\nS3, 20%% of gpt-4o's calls hang, the rest ~600 ms\n");
  Cluster cluster(testbed::IncidentCluster(1.0));
  std::mutex mu;
  std::vector<IncidentRequest> out;
  int64_t t0 = SteadyNowMs();
  HealthyStart(cluster, t0, mu, out);
  Learned healthy = Status(cluster, kPrimary, t0);
  cluster.fake().SetFault(kPrimary, "mode=hang&rate=0.2&" + Latency(600, 60));
  int64_t start = SteadyNowMs() - t0;
  Watch watch(cluster, t0);
  int64_t end = SteadyNowMs() + 30000;
  testbed::Drive(
      cluster, "during", kClients, t0, [&] { return SteadyNowMs() < end; }, mu, out);
  watch.Stop();
  int64_t n = 0, primary = 0;
  for (const IncidentRequest& q : out) {
    if (q.phase != "during") continue;
    ++n;
    primary += q.ok && q.model == kPrimary ? 1 : 0;
  }
  std::printf("  healthy: P95 %.0f ms x 1.5 = timeout %lld ms\n", healthy.p95_ms,
              static_cast<long long>(healthy.timeout_ms));
  PrintTimeouts("30 s of hangs", watch.Between(start, SteadyNowMs() - t0), healthy.timeout_ms);
  std::printf("  served by gpt-4o: %lld of %lld requests (%.0f%%)\n",
              static_cast<long long>(primary), static_cast<long long>(n),
              n ? 100.0 * static_cast<double>(primary) / n : 0.0);
  PrintBreaker(cluster, t0);
}

// Simulated: ten minutes of a heavy-tailed healthy model in the timeout policy itself, each
// call cut off at the timeout in force. A cut-off call is kept running to learn its true
// latency while the route's extra-load budget allows (5% of requests, at least 3 per 10 s),
// the timeout is not frozen and it answers within the ceiling, as router/tail_watch.h does.
void S4HeavyTail() {
  std::printf(
      "\nS4, a heavy-tailed healthy model (lognormal, median 400 ms, P95 1 s), 10 "
      "simulated minutes at 10 requests a second, after 5 to learn\n");
  for (double multiplier : {1.0, 1.5}) {
    for (bool tails : {false, true}) {
      TimeoutPolicy policy;
      TimeoutParams p;
      p.p95_multiplier = multiplier;
      RetryBudget budget(RetryBudgetParams{5, 3, 10000});
      std::mt19937_64 rng(11);
      std::lognormal_distribution<double> heavy(std::log(400.0), std::log(2.5) / 1.645);
      int64_t now = 0;
      auto call = [&] {
        TimeoutPolicy::Timeout t = policy.TimeoutFor("m", "t", now, p);
        budget.RecordRequest(now);
        auto latency = static_cast<int64_t>(heavy(rng));
        bool cut = latency > t.ms;
        bool learned = cut && tails && latency <= p.ceiling_ms && budget.TryRetry(now);
        policy.Record("m", "t", now, cut && !learned ? t.ms : latency, cut && !learned,
                      p.window_ms);
        now += 100;
        return std::make_pair(t.ms, cut);
      };
      for (int i = 0; i < 3000; ++i) call();
      int64_t start = policy.TimeoutFor("m", "t", now, p).ms;
      int64_t lo = start, hi = start, cut = 0;
      for (int i = 0; i < 6000; ++i) {
        auto [t, c] = call();
        lo = std::min(lo, t);
        hi = std::max(hi, t);
        cut += c ? 1 : 0;
      }
      std::printf(
          "  multiplier %.1f, cut-off calls %s: timeout %lld ms at the start, %lld-%lld over "
          "the ten minutes (drift at most %.1f%%); %.1f%% of calls cut off\n",
          multiplier, tails ? "kept running to learn" : "cancelled", static_cast<long long>(start),
          static_cast<long long>(lo), static_cast<long long>(hi),
          100.0 * static_cast<double>(std::max(hi - start, start - lo)) /
              static_cast<double>(start),
          100.0 * static_cast<double>(cut) / 6000);
    }
  }
}

void S5EveryTierSlow() {
  std::printf("\nS5, every tier slow: route gpt-4o then gpt-4o-mini, each at twice its P95\n");
  testbed::ClusterOptions options = testbed::IncidentCluster(1.0);
  options.tiers = "\"gpt-4o\", \"gpt-4o-mini\"";
  Cluster cluster(options);
  std::mutex mu;
  std::vector<IncidentRequest> out;
  int64_t t0 = SteadyNowMs();
  // gpt-4o-mini learns while gpt-4o fails fast; then gpt-4o learns once its breaker closes.
  cluster.fake().SetFault(kPrimary, "mode=error&status=500");
  cluster.fake().SetFault("gpt-4o-mini", Latency(300, 30));
  Warm(cluster, t0, mu, out);
  cluster.fake().SetFault(kPrimary, Latency(600, 60));
  int64_t end = SteadyNowMs() + 60000;
  std::atomic<int> served{0};
  testbed::Drive(
      cluster, "warm", kClients, t0,
      [&] {
        std::lock_guard<std::mutex> lock(mu);
        if (!out.empty() && out.back().model == kPrimary) ++served;
        return served < 150 && SteadyNowMs() < end;
      },
      mu, out);
  for (const char* model : {kPrimary, "gpt-4o-mini"}) {
    Learned l = Status(cluster, model, t0);
    cluster.fake().SetFault(model, Latency(static_cast<int64_t>(2 * l.p95_ms), 0));
    std::printf("  %s: P95 %.0f ms, timeout %lld ms; now answers in %.0f ms\n", model, l.p95_ms,
                static_cast<long long>(l.timeout_ms), 2 * l.p95_ms);
  }
  end = SteadyNowMs() + 20000;
  testbed::Drive(
      cluster, "during", kClients, t0, [&] { return SteadyNowMs() < end; }, mu, out);
  std::map<std::string, int64_t> by;
  std::vector<int64_t> lat;
  int64_t n = 0, ok = 0, last_hope = 0;
  for (const IncidentRequest& q : out) {
    if (q.phase != "during") continue;
    ++n;
    ok += q.ok ? 1 : 0;
    ++by[q.ok ? q.model : "failed"];
    lat.push_back(q.latency_ms);
    for (const AttemptReport& a : q.attempts) last_hope += a.last_tier ? 1 : 0;
  }
  std::sort(lat.begin(), lat.end());
  std::printf(
      "  answered %lld of %lld requests (%lld kept past their timeout as the last tier); "
      "latency p50 %lld ms, max %lld ms; served by",
      static_cast<long long>(ok), static_cast<long long>(n), static_cast<long long>(last_hope),
      static_cast<long long>(lat.empty() ? 0 : lat[lat.size() / 2]),
      static_cast<long long>(lat.empty() ? 0 : lat.back()));
  for (const auto& [m, k] : by) std::printf(" %s %lld", m.c_str(), static_cast<long long>(k));
  std::printf("\n");
}

}  // namespace

void BenchAdaptive(const std::vector<std::string>& scenarios) {
  auto want = [&](const char* s) {
    return scenarios.empty() || std::find(scenarios.begin(), scenarios.end(), s) != scenarios.end();
  };
  std::printf(
      "\n## adaptive timeouts: five scenarios against the learned-timeout rules (8 "
      "clients; the incident cluster: P95 x 1.5, cool-downs 5-20 s)\n");
  if (want("S1")) S1Incident();
  if (want("S2")) S2SlowerForGood();
  if (want("S3")) S3SomeHang();
  if (want("S4")) S4HeavyTail();
  if (want("S5")) S5EveryTierSlow();
}

}  // namespace switchyard::bench
