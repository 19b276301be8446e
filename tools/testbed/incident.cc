#include "incident.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

namespace switchyard::testbed {
namespace {

int64_t SteadyMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

int64_t WallMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string Fault(int64_t latency, int64_t jitter) {
  return "latency_ms=" + std::to_string(latency) + "&jitter_ms=" + std::to_string(jitter);
}

int64_t Percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

}  // namespace

int64_t SteadyNowMs() { return SteadyMs(); }
int64_t WallNowMs() { return WallMs(); }

std::vector<std::string> BreakerLines(const std::string& path, const std::string& model,
                                      int64_t since_wall_ms) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db,
                           "SELECT from_state || ' -> ' || to_state || ' (' || reason || ')' FROM "
                           "breaker_transitions WHERE model = ?1 AND ts_ms >= ?2 ORDER BY ts_ms",
                           -1, &st, nullptr) == SQLITE_OK) {
      sqlite3_bind_text(st, 1, model.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(st, 2, since_wall_ms);
      while (sqlite3_step(st) == SQLITE_ROW) {
        out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
      }
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

void Drive(Cluster& cluster, const std::string& phase, int concurrency, int64_t t0,
           const std::function<bool()>& more, std::mutex& mu, std::vector<IncidentRequest>& out) {
  std::vector<std::thread> threads;
  for (int i = 0; i < concurrency; ++i) {
    threads.emplace_back([&] {
      std::unique_ptr<Client> c;
      if (!Client::Connect(cluster.socket(), &c).ok()) return;
      while (more()) {
        IncidentRequest r;
        r.phase = phase;
        r.start_ms = SteadyMs() - t0;
        CompleteReply reply = c->Complete(Cluster::Ask("incident"));
        r.latency_ms = SteadyMs() - t0 - r.start_ms;
        r.ok = reply.status.ok() && reply.ok;
        r.model = r.ok ? reply.result.model : "";
        r.attempts = r.ok ? reply.result.attempts : reply.error.attempts;
        std::lock_guard<std::mutex> lock(mu);
        out.push_back(std::move(r));
      }
    });
  }
  for (auto& t : threads) t.join();
}

ClusterOptions IncidentCluster(double scale) {
  auto s = [scale](int64_t ms) {
    return std::to_string(std::max<int64_t>(1, static_cast<int64_t>(ms * scale)));
  };
  ClusterOptions o;
  o.log_level = "warn";
  o.default_timeout_ms = static_cast<int64_t>(5000 * scale);
  // 1.5 x P95: a healthy model is rarely cut off (at 1.0, 5% of its answers are, by definition).
  o.timeout_toml = "p95_multiplier = 1.5\nfloor_ms = " + s(300) + "\nceiling_ms = " + s(10000) +
                   "\nmin_samples = 20\n";
  o.extra_toml = "[breaker]\ncooldown_ms = " + s(5000) + "\nmax_cooldown_ms = " + s(20000) +
                 "\njitter = 0.1\n\n[history]\nflush_ms = 20\n";
  return o;
}

IncidentReport RunIncident(Cluster& cluster, const IncidentOptions& o) {
  auto s = [&](int64_t ms) { return std::max<int64_t>(1, static_cast<int64_t>(ms * o.scale)); };
  FakeProvider& fake = cluster.fake();
  fake.SetFault("gpt-4o", Fault(s(o.primary_ms), s(o.primary_jitter_ms)));
  fake.SetFault("gpt-4o-mini", Fault(s(o.fallback_ms), s(o.fallback_jitter_ms)));
  fake.SetFault("claude-3-5-haiku-latest", Fault(s(o.fallback_ms), s(o.fallback_jitter_ms)));
  IncidentReport report;
  std::mutex mu;
  int64_t t0 = SteadyMs();
  int64_t wall0 = WallMs();

  std::atomic<int> warm{0};
  Drive(
      cluster, "before", o.concurrency, t0, [&] { return warm.fetch_add(1) < o.warm_requests; }, mu,
      report.requests);
  {
    auto c = cluster.Connect();
    for (const ModelStatus& m : c->GetStatus().result.models) {
      if (m.name == "gpt-4o") report.healthy_timeout_ms = m.timeout_ms;
    }
  }

  int64_t primary_before = fake.Requests("gpt-4o");
  fake.SetFault("gpt-4o", Fault(s(o.incident_latency_ms), 0));
  report.incident_start_ms = SteadyMs() - t0;
  int64_t end = SteadyMs() + s(o.incident_ms);
  Drive(
      cluster, "during", o.concurrency, t0, [&] { return SteadyMs() < end; }, mu, report.requests);
  report.primary_calls_during = fake.Requests("gpt-4o") - primary_before;

  fake.SetFault("gpt-4o", Fault(s(o.primary_ms), s(o.primary_jitter_ms)));
  report.incident_end_ms = SteadyMs() - t0;
  end = SteadyMs() + s(o.recovery_ms);
  Drive(
      cluster, "after", o.concurrency, t0, [&] { return SteadyMs() < end; }, mu, report.requests);

  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the writer's last commit
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(cluster.history_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    std::string sql =
        "SELECT ts_ms, model, from_state, to_state, reason, COALESCE(open_until_ms, 0) "
        "FROM breaker_transitions "
        "WHERE ts_ms >= " +
        std::to_string(wall0) + " ORDER BY ts_ms";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
      while (sqlite3_step(st) == SQLITE_ROW) {
        BreakerChange b;
        b.at_ms = sqlite3_column_int64(st, 0) - wall0;
        b.model = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
        b.from = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
        b.to = reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
        b.reason = reinterpret_cast<const char*>(sqlite3_column_text(st, 4));
        int64_t until = sqlite3_column_int64(st, 5);
        b.open_until_ms = until > 0 ? until - wall0 : 0;
        report.transitions.push_back(std::move(b));
      }
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return report;
}

std::string Describe(const IncidentReport& r) {
  std::ostringstream os;
  os << "learned timeout of gpt-4o before the incident: " << r.healthy_timeout_ms << " ms\n";
  os << "incident (gpt-4o slow) from " << r.incident_start_ms << " ms to " << r.incident_end_ms
     << " ms\n";
  for (const char* phase : {"before", "during", "after"}) {
    std::vector<int64_t> lat;
    std::map<std::string, int64_t> by_model;
    int64_t failed = 0;
    for (const IncidentRequest& q : r.requests) {
      if (q.phase != phase) continue;
      lat.push_back(q.latency_ms);
      if (q.ok) {
        ++by_model[q.model];
      } else {
        ++failed;
      }
    }
    os << "  " << phase << ": " << lat.size() << " requests, latency p50 " << Percentile(lat, 50)
       << " ms, p95 " << Percentile(lat, 95) << " ms, p99 " << Percentile(lat, 99) << " ms, max "
       << Percentile(lat, 100) << " ms; served by";
    for (const auto& [m, n] : by_model) os << " " << m << " " << n;
    if (failed) os << "; failed " << failed;
    os << "\n";
  }
  os << "calls that reached gpt-4o during the incident: " << r.primary_calls_during << "\n";
  os << "breaker transitions:\n";
  for (const BreakerChange& b : r.transitions) {
    os << "  " << b.at_ms << " ms  " << b.model << ": " << b.from << " -> " << b.to << " ("
       << b.reason << ")\n";
  }
  return os.str();
}

}  // namespace switchyard::testbed
