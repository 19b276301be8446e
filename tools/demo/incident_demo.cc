// incident_demo: the incident switchyard exists for, live in a terminal, in about a minute.
// A fake OpenAI/Anthropic, switchyardd in front of it, 8 clients; gpt-4o answers in ~600 ms,
// then its latency jumps to 12 s, then it recovers. One line a second says who served the
// requests, how long they took, and what gpt-4o's breaker is doing; at the end, sqlite3
// shows what the history kept.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "incident.h"
#include "testbed.h"

namespace {

using namespace switchyard;
using Clock = std::chrono::steady_clock;

struct Done {
  std::string model;
  int64_t latency_ms;
  bool ok;
};

void Say(const char* text) { std::printf("\n\033[1m%s\033[0m\n", text); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"incident_demo: switchyard through a provider incident"};
  std::string bin_dir;
  int healthy_s = 10, incident_s = 25, recovery_s = 25, http_port = 0;
  app.add_option("--bin-dir", bin_dir, "where switchyardd and fake_provider are")->required();
  app.add_option("--healthy-s", healthy_s);
  app.add_option("--incident-s", incident_s);
  app.add_option("--recovery-s", recovery_s);
  app.add_option("--http-port", http_port, "the dashboard's port on 127.0.0.1 (0: any free one)");
  CLI11_PARSE(app, argc, argv);
  setvbuf(stdout, nullptr, _IOLBF, 0);
  testbed::SetBinaryDir(bin_dir);

  testbed::ClusterOptions opt = testbed::IncidentCluster(1.0);
  opt.extra_toml =
      "[breaker]\ncooldown_ms = 5000\nmax_cooldown_ms = 10000\njitter = 0.1\n\n[history]\nflush_ms "
      "= 20\n";
  // The HTTP front door, for the dashboard to watch the incident live.
  if (http_port == 0) http_port = testbed::FreeLoopbackPort();
  opt.extra_toml += "\n[http]\nlisten = \"127.0.0.1:" + std::to_string(http_port) + "\"\n";
  // What the fallbacks answered is kept too, to show at the end.
  opt.route_toml += "keep_fallback_answers = true\n";
  testbed::Cluster cluster(opt);
  testbed::FakeProvider& fake = cluster.fake();
  fake.SetFault("gpt-4o", "latency_ms=600&jitter_ms=60");
  fake.SetFault("gpt-4o-mini", "latency_ms=300&jitter_ms=30");
  fake.SetFault("claude-3-5-haiku-latest", "latency_ms=300&jitter_ms=30");

  Say("switchyard incident demo");
  std::printf(
      "route chat: gpt-4o -> gpt-4o-mini -> claude-haiku, each call's timeout learned from\n"
      "that model's P95 latency (x1.5); 8 clients send requests back to back.\n"
      "gpt-4o answers in ~600 ms, gpt-4o-mini in ~300 ms (a fake provider on this machine).\n");
  std::printf("Watch it live in a browser: the dashboard is at http://127.0.0.1:%d/\n", http_port);

  std::mutex mu;
  std::vector<Done> window;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&] {
      std::unique_ptr<Client> c;
      if (!Client::Connect(cluster.socket(), &c).ok()) return;
      while (!stop) {
        auto t0 = Clock::now();
        CompleteReply r = c->Complete(testbed::Cluster::Ask("summarize the incident"));
        int64_t ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
        std::lock_guard<std::mutex> lock(mu);
        window.push_back({r.ok ? r.result.model : r.error.code, ms, r.ok});
      }
    });
  }

  auto status = cluster.Connect();
  auto start = Clock::now();
  std::string last_breaker = "closed";
  auto tick = [&](int second) {
    std::vector<Done> done;
    {
      std::lock_guard<std::mutex> lock(mu);
      done.swap(window);
    }
    std::map<std::string, int> by;
    int64_t worst = 0;
    std::vector<int64_t> lat;
    for (const Done& d : done) {
      ++by[d.model];
      worst = std::max(worst, d.latency_ms);
      lat.push_back(d.latency_ms);
    }
    std::sort(lat.begin(), lat.end());
    int64_t p50 = lat.empty() ? 0 : lat[lat.size() / 2];
    ModelStatus g;
    for (const ModelStatus& m : status->GetStatus().result.models) {
      if (m.name == "gpt-4o") g = m;
    }
    std::string served;
    for (const auto& [m, n] : by) served += " " + m + " " + std::to_string(n);
    std::string breaker = g.breaker;
    if (g.breaker == "open")
      breaker += " (probe in " + std::to_string((g.half_open_in_ms + 999) / 1000) + " s)";
    std::printf(
        "[%3ds] %2zu answered  p50 %5lld ms  max %5lld ms | served by:%-28s | gpt-4o timeout %5lld "
        "ms, breaker %s\n",
        second, done.size(), static_cast<long long>(p50), static_cast<long long>(worst),
        served.c_str(), static_cast<long long>(g.timeout_ms), breaker.c_str());
    if (g.breaker != last_breaker) {
      std::printf("        ^ gpt-4o's breaker: %s -> %s\n", last_breaker.c_str(),
                  g.breaker.c_str());
      last_breaker = g.breaker;
    }
  };
  int second = 0;
  auto run_for = [&](int seconds) {
    for (int i = 0; i < seconds; ++i) {
      std::this_thread::sleep_until(start + std::chrono::seconds(++second));
      tick(second);
    }
  };

  Say("1. Healthy: gpt-4o serves, and switchyard learns its latency.");
  run_for(healthy_s);
  Say("2. Incident: gpt-4o's latency jumps to 12 s.");
  std::printf(
      "Requests wait only gpt-4o's learned timeout, then gpt-4o-mini answers; after a few\n"
      "such failures the breaker opens and requests go straight to gpt-4o-mini. The timeout\n"
      "stays at its healthy value (cut-off calls are not taken as gpt-4o's latency), and\n"
      "after each cool-down a copy of one request probes gpt-4o while the request itself\n"
      "goes on: nobody waits on a probe.\n");
  fake.SetFault("gpt-4o", "latency_ms=12000");
  run_for(incident_s);
  Say("3. gpt-4o recovers: the next probe finds it healthy and traffic returns.");
  fake.SetFault("gpt-4o", "latency_ms=600&jitter_ms=60");
  run_for(recovery_s);
  stop = true;
  for (auto& t : clients) t.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  Say("4. What happened, from the history (sqlite3 on the live daemon's file):");
  std::string db = cluster.history_path();
  auto query = [&](const char* sql) {
    std::printf("$ sqlite3 -box history.db \"%s\"\n", sql);
    std::fflush(stdout);
    std::string cmd = "sqlite3 -box '" + db + "' \"" + sql + "\"";
    if (std::system(cmd.c_str()) != 0) std::printf("(sqlite3 failed)\n");
  };
  query(
      "SELECT strftime('%H:%M:%S', ts_ms / 1000, 'unixepoch') AS time, from_state, to_state, "
      "reason "
      "FROM breaker_transitions ORDER BY ts_ms");
  query(
      "SELECT from_model, to_model, reason, COUNT(*) AS fallbacks FROM fallbacks GROUP BY 1, 2, 3 "
      "ORDER BY 4 DESC");
  query(
      "SELECT model, outcome, probe, SUM(called) AS calls, SUM(1 - called) AS skipped, "
      "MAX(latency_ms) AS max_ms FROM attempts GROUP BY 1, 2, 3 ORDER BY 1, 3, 4 DESC, 5 DESC");
  std::printf(
      "(probe = 1: calls nobody waited on: the breaker's probes, and a few cut-off calls kept\n"
      "running to learn gpt-4o's true latency.)\n");
  query(
      "SELECT served_by, COUNT(*) AS requests, MAX(latency_ms) AS slowest_ms, ROUND(SUM(cost_usd), "
      "4) AS cost_usd "
      "FROM requests GROUP BY 1");
  Say("5. The same questions through `switchyard history`, and what a fallback answered:");
  for (const char* args : {"fallbacks --since 1h", "answers --limit 1"}) {
    std::printf("$ switchyard history %s\n", args);
    std::fflush(stdout);
    std::string cmd = bin_dir + "/switchyard history --history '" + db + "' " + std::string(args);
    if (std::system(cmd.c_str()) != 0) std::printf("(switchyard history failed)\n");
  }
  std::printf("\nWithout switchyard, every request during the incident would have waited 12 s.\n");
  return 0;
}
