#include "fleet.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "redis_server.h"
#include "testbed.h"

namespace switchyard::bench {
namespace {

using testbed::Cluster;
using testbed::ClusterOptions;
using testbed::PollUntil;
using testbed::RedisServer;
using testbed::TempDir;

ClusterOptions Host(const RedisServer* redis, const std::string& name, int64_t cooldown_ms) {
  ClusterOptions opt;
  opt.log_level = "warn";
  opt.extra_toml = "[breaker]\ncooldown_ms = " + std::to_string(cooldown_ms) +
                   "\njitter = 0\n[history]\nflush_ms = 10\n";
  if (redis) {
    opt.extra_toml +=
        "[fleet]\nredis = \"" + redis->url() + "\"\nname = \"bench\"\nhost = \"" + name + "\"\n";
  }
  return opt;
}

std::string BreakerOf(Client& c, const std::string& model) {
  for (const ModelStatus& m : c.GetStatus().result.models) {
    if (m.name == model) return m.breaker;
  }
  return "";
}

bool LinkUp(Client& c) { return c.GetStatus().result.fleet.state == "up"; }

std::vector<int64_t> OpenTimes(const std::string& history) {
  std::vector<int64_t> out;
  sqlite3* db = nullptr;
  sqlite3_open_v2(history.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT ts_ms FROM breaker_transitions WHERE model = 'gpt-4o' AND "
                     "to_state = 'open' ORDER BY ts_ms",
                     -1, &st, nullptr);
  while (sqlite3_step(st) == SQLITE_ROW) out.push_back(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Host A's breaker opens, twenty times; B only listens. From the two histories' clocks.
void Propagation() {
  TempDir dir;
  RedisServer redis(dir);
  Cluster a(Host(&redis, "a", 300));
  Cluster b(Host(&redis, "b", 300));
  auto ca = a.Connect();
  auto cb = b.Connect();
  if (!PollUntil(5000, [&] { return LinkUp(*ca) && LinkUp(*cb); })) {
    std::printf("  the fleet link did not come up\n");
    return;
  }
  constexpr int kTrials = 20;
  std::vector<int64_t> polled_us;
  for (int i = 0; i < kTrials; ++i) {
    a.fake().SetFault("gpt-4o", "mode=error&status=503");
    for (int k = 0; k < 5; ++k) ca->Complete(Cluster::Ask("fail"));
    auto t0 = std::chrono::steady_clock::now();
    // Asked back to back (a status call takes about 100 us), not at PollUntil's 5 ms pace.
    while (BreakerOf(*cb, "gpt-4o") != "open" &&
           std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5)) {
    }
    polled_us.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count());
    a.fake().SetFault("gpt-4o", "mode=ok");
    PollUntil(10000, [&] {
      ca->Complete(Cluster::Ask("heal"));
      return BreakerOf(*ca, "gpt-4o") == "closed" && BreakerOf(*cb, "gpt-4o") == "closed";
    });
  }
  std::vector<int64_t> ta, tb;
  PollUntil(5000, [&] {
    ta = OpenTimes(a.history_path());
    tb = OpenTimes(b.history_path());
    return ta.size() >= kTrials && tb.size() >= kTrials;
  });
  std::vector<int64_t> lag;
  for (size_t i = 0; i < std::min(ta.size(), tb.size()); ++i) lag.push_back(tb[i] - ta[i]);
  std::sort(lag.begin(), lag.end());
  std::sort(polled_us.begin(), polled_us.end());
  if (lag.empty()) return;
  std::printf(
      "  A's breaker opening to B's, %zu trials: median %lld ms, max %lld ms (the histories' "
      "ms clocks); B seen open by a status call %lld us (median) after A's fifth failed "
      "request returned\n",
      lag.size(), static_cast<long long>(lag[lag.size() / 2]), static_cast<long long>(lag.back()),
      static_cast<long long>(polled_us[polled_us.size() / 2]));
}

int64_t FailedCalls(const std::string& history) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(history.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT COUNT(*) FROM attempts WHERE model = 'gpt-4o' AND "
                     "outcome = 'server_error'",
                     -1, &st, nullptr);
  int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

struct Round {
  int64_t calls = 0;
  int64_t busy_calls = 0;  // host A's
  int64_t ms = 0;
  bool all_open = false;
};

// The primary fails on every host at once. Host A is busy (8 clients back to back), the
// others light (one request each 100 ms): traffic is rarely spread evenly over a fleet.
Round Incident(int hosts, bool linked) {
  TempDir dir;
  std::unique_ptr<RedisServer> redis;
  if (linked) redis = std::make_unique<RedisServer>(dir);
  std::vector<std::unique_ptr<Cluster>> fleet;
  std::vector<std::unique_ptr<Client>> watch;
  for (int i = 0; i < hosts; ++i) {
    fleet.push_back(std::make_unique<Cluster>(Host(redis.get(), std::string(1, 'a' + i), 60000)));
    watch.push_back(fleet.back()->Connect());
  }
  if (linked) {
    PollUntil(5000, [&] {
      for (auto& c : watch) {
        if (!LinkUp(*c)) return false;
      }
      return true;
    });
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> load;
  for (int i = 0; i < hosts; ++i) {
    int clients = i == 0 ? 8 : 1;
    for (int k = 0; k < clients; ++k) {
      load.emplace_back([&, i] {
        auto c = fleet[static_cast<size_t>(i)]->Connect();
        while (!stop) {
          c->Complete(Cluster::Ask("incident"));
          if (i != 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      });
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // traffic under way
  auto t0 = std::chrono::steady_clock::now();
  for (auto& h : fleet) h->fake().SetFault("gpt-4o", "mode=error&status=503");
  Round r;
  r.all_open = PollUntil(20000, [&] {
    for (auto& c : watch) {
      if (BreakerOf(*c, "gpt-4o") != "open") return false;
    }
    return true;
  });
  r.ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  stop = true;
  for (std::thread& t : load) t.join();
  // Counted from the histories, once each daemon has stopped and written everything: the
  // calls that met the failure, not the healthy ones made just before it.
  for (size_t i = 0; i < fleet.size(); ++i) {
    watch[i].reset();
    if (!fleet[i]->StopDaemon().ok()) std::printf("  host %zu did not stop cleanly\n", i);
    int64_t n = FailedCalls(fleet[i]->history_path());
    r.calls += n;
    if (i == 0) r.busy_calls = n;
  }
  return r;
}

void Calls(const char* label, int hosts, bool linked) {
  constexpr int kRounds = 9;
  std::vector<int64_t> calls, ms, busy;
  for (int i = 0; i < kRounds; ++i) {
    Round r = Incident(hosts, linked);
    if (!r.all_open) {
      std::printf("  %s: a breaker did not open within 20 s\n", label);
      return;
    }
    calls.push_back(r.calls);
    busy.push_back(r.busy_calls);
    ms.push_back(r.ms);
  }
  std::sort(calls.begin(), calls.end());
  std::sort(busy.begin(), busy.end());
  std::sort(ms.begin(), ms.end());
  std::printf(
      "  %-34s calls to the failing model before every breaker was open: median %lld (%lld-%lld), "
      "the busy host's %lld; all open after %lld ms (median)\n",
      label, static_cast<long long>(calls[kRounds / 2]), static_cast<long long>(calls.front()),
      static_cast<long long>(calls.back()), static_cast<long long>(busy[kRounds / 2]),
      static_cast<long long>(ms[kRounds / 2]));
}

}  // namespace

void BenchFleet() {
  std::printf("\n## the fleet: breakers shared through Redis (a real redis-server on loopback)\n");
  Propagation();
  Calls("one host alone (host A's load)", 1, false);
  Calls("three hosts, no fleet link", 3, false);
  Calls("three hosts sharing through Redis", 3, true);
}

}  // namespace switchyard::bench
