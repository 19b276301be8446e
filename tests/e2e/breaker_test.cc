// Breakers and soft timeouts against the real daemon: state shared by every local process,
// kept across a restart, hedges won by the right call, and the incident replay.
#include <gtest/gtest.h>

#include <chrono>

#include "e2e/harness.h"
#include "incident.h"

namespace switchyard::e2e {
namespace {

ModelStatus StatusOf(Client& c, const std::string& model) {
  for (const ModelStatus& m : c.GetStatus().result.models) {
    if (m.name == model) return m;
  }
  return {};
}

// Runs `switchyard ask` as its own process, as another application on the host would.
std::string AskFromAnotherProcess(const Cluster& cluster, int64_t* took_ms) {
  static int calls = 0;
  std::string out = cluster.dir().File("ask" + std::to_string(++calls) + ".out");
  auto t0 = std::chrono::steady_clock::now();
  {
    Process p({std::string(SWITCHYARD_BIN_DIR) + "/switchyard", "--socket", cluster.socket(), "ask",
               "from another process"},
              {}, out);
    int status = 0;
    EXPECT_TRUE(p.Wait(10000, &status));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(out);
  }
  *took_ms = MsSince(t0);
  return ReadFile(out);
}

TEST(Breaker, OpenedByOneProcessIsSeenByAnother) {
  ClusterOptions opt;
  opt.default_timeout_ms = 500;
  opt.extra_toml = "[breaker]\nconsecutive_timeouts = 5\n";
  Cluster cluster(opt);
  cluster.fake().SetFault("gpt-4o", "mode=hang");
  int64_t took = 0;
  // Process A: five requests, each paying the 500 ms timeout, open the primary's breaker
  // (five cut-offs in a row, as configured here).
  for (int i = 0; i < 5; ++i) {
    std::string out = AskFromAnotherProcess(cluster, &took);
    EXPECT_NE(out.find("gpt-4o: timeout"), std::string::npos) << out;
  }
  int64_t primary_calls = cluster.fake().Requests("gpt-4o");
  EXPECT_EQ(primary_calls, 5);
  // Process B: no attempt on the primary, no timeout paid.
  std::string out = AskFromAnotherProcess(cluster, &took);
  EXPECT_NE(out.find("served by gpt-4o-mini"), std::string::npos) << out;
  EXPECT_NE(out.find("gpt-4o: breaker_open after 0 ms"), std::string::npos) << out;
  EXPECT_EQ(cluster.fake().Requests("gpt-4o"), primary_calls);
  // The daemon's own measure ("served by M in N ms"), free of the CLI's start-up time.
  size_t at = out.find("served by gpt-4o-mini in ");
  ASSERT_NE(at, std::string::npos);
  int64_t served_ms = std::stoll(out.substr(at + 25));
  EXPECT_LT(served_ms, 250) << "B paid a timeout: " << out;
  EXPECT_LT(took, 5000);
  auto c = cluster.Connect();
  ModelStatus s = StatusOf(*c, "gpt-4o");
  EXPECT_EQ(s.breaker, "open");
  EXPECT_GT(s.half_open_in_ms, 0);
}

TEST(Breaker, RestartKeepsAnOpenBreakerOpenForTheRestOfItsCooldown) {
  ClusterOptions opt;
  opt.default_timeout_ms = 100;
  opt.extra_toml =
      "[breaker]\ncooldown_ms = 60000\nmax_cooldown_ms = 60000\n[history]\nflush_ms = 10\n";
  Cluster cluster(opt);
  cluster.fake().SetFault("gpt-4o", "mode=error&status=503");
  {
    auto c = cluster.Connect();
    for (int i = 0; i < 5; ++i) c->Complete(Cluster::Ask("fail"));
    ASSERT_EQ(StatusOf(*c, "gpt-4o").breaker, "open");
  }
  ASSERT_TRUE(cluster.StopDaemon().ok());
  cluster.fake().SetFault("gpt-4o", "mode=ok");  // healthy now, but the cool-down is not over
  cluster.StartDaemon();
  auto c = cluster.Connect();
  ModelStatus s = StatusOf(*c, "gpt-4o");
  EXPECT_EQ(s.breaker, "open");
  EXPECT_GT(s.half_open_in_ms, 40000);
  int64_t calls = cluster.fake().Requests("gpt-4o");
  CompleteReply r = c->Complete(Cluster::Ask("after restart"));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result.model, "gpt-4o-mini");
  EXPECT_EQ(cluster.fake().Requests("gpt-4o"), calls);
}

class Hedge : public ::testing::Test {
 protected:
  static ClusterOptions Options() {
    ClusterOptions opt;
    opt.route_toml = "on_soft_timeout = \"hedge\"\n";
    opt.timeout_toml = "floor_ms = 20\nmin_samples = 20\n";
    return opt;
  }
  // Teaches the daemon that gpt-4o answers in 200 ms, so its soft timeout is ~200 ms.
  static void Learn(Cluster& cluster, Client& c) {
    cluster.fake().SetFault("gpt-4o", "latency_ms=200");
    for (int i = 0; i < 25; ++i) ASSERT_TRUE(c.Complete(Cluster::Ask("learn")).ok);
    int64_t t = StatusOf(c, "gpt-4o").timeout_ms;
    ASSERT_GE(t, 195);
    ASSERT_LE(t, 215);
  }
};

TEST_F(Hedge, SlowPrimaryWinsAndTheFallbackIsCancelled) {
  Cluster cluster(Options());
  auto c = cluster.Connect();
  Learn(cluster, *c);
  cluster.fake().SetFault("gpt-4o", "latency_ms=300");       // 1.5x its P95
  cluster.fake().SetFault("gpt-4o-mini", "latency_ms=600");  // 3x
  CompleteReply r = c->Complete(Cluster::Ask("race"));
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o");
  ASSERT_EQ(r.result.attempts.size(), 2u);
  EXPECT_EQ(r.result.attempts[0].outcome, "ok");
  EXPECT_EQ(r.result.attempts[1].model, "gpt-4o-mini");
  EXPECT_EQ(r.result.attempts[1].outcome, "cancelled");
  EXPECT_GE(r.result.latency_ms, 295);
  EXPECT_LT(r.result.latency_ms, 500);
  EXPECT_GT(r.result.attempts[1].cost_usd, 0);  // the losing hedge is paid for
}

TEST_F(Hedge, HangingPrimaryLosesToTheFallback) {
  Cluster cluster(Options());
  auto c = cluster.Connect();
  Learn(cluster, *c);
  cluster.fake().SetFault("gpt-4o", "mode=hang");
  cluster.fake().SetFault("gpt-4o-mini", "latency_ms=100");
  CompleteReply r = c->Complete(Cluster::Ask("race"));
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o-mini");
  EXPECT_EQ(r.result.attempts[0].outcome, "timeout");
  EXPECT_GE(r.result.latency_ms, 295);
  EXPECT_LT(r.result.latency_ms, 500);
}

TEST(Incident, ReplayScaledTenfold) {
  testbed::IncidentOptions o;
  o.scale = 0.1;
  o.warm_requests = 120;
  o.recovery_ms = 40000;
  Cluster cluster(testbed::IncidentCluster(o.scale));
  testbed::IncidentReport r = testbed::RunIncident(cluster, o);
  std::printf("%s", testbed::Describe(r).c_str());

  // Learned from ~60 ms answers (x1.5), not the 500 ms default.
  ASSERT_GT(r.healthy_timeout_ms, 80);
  ASSERT_LT(r.healthy_timeout_ms, 130);
  // The breaker opened during the incident and closed again after it.
  int64_t half_opens = 0, opened_at = -1, closed_at = -1;
  for (const testbed::BreakerChange& b : r.transitions) {
    if (b.model != "gpt-4o") continue;
    if (b.to == "half_open" && b.at_ms < r.incident_end_ms) ++half_opens;
    if (b.to == "open" && opened_at < 0) opened_at = b.at_ms;
    if (b.to == "closed" && b.at_ms > r.incident_end_ms) closed_at = b.at_ms;
  }
  ASSERT_GE(opened_at, r.incident_start_ms);
  ASSERT_GT(closed_at, r.incident_end_ms) << "the breaker never closed after recovery";
  // Its longest cool-down (2 s at this scale, +10% jitter) bounds how long recovery takes.
  EXPECT_LT(closed_at - r.incident_end_ms, 2200 + 500);
  // Ten cut-offs in a row open it: after two waves (at most two calls per client) the
  // primary saw only probes.
  EXPECT_LE(r.primary_calls_during, 2 * 8 + half_opens);

  int64_t before = 0, before_primary = 0, during = 0, after_close = 0, after_close_primary = 0;
  for (const testbed::IncidentRequest& q : r.requests) {
    EXPECT_TRUE(q.ok) << q.phase << " at " << q.start_ms;
    if (q.phase == "before") {
      ++before;
      if (q.model == "gpt-4o") ++before_primary;
    } else if (q.phase == "during") {
      ++during;
      // Never the primary's 1.2 s: at most the timeout its attempt was given plus the
      // fallback's ~30 ms, with room for a loaded machine.
      int64_t timeout = q.attempts.empty() ? 0 : q.attempts[0].timeout_ms;
      EXPECT_LE(q.latency_ms, timeout + 30 + 100) << "at " << q.start_ms << " ms";
      EXPECT_LT(q.latency_ms, 1000);
      if (q.start_ms > opened_at + 100 && q.attempts[0].outcome == "breaker_open") {
        EXPECT_LT(q.latency_ms, 30 + 100) << "paid a timeout with the breaker open";
      }
    } else if (q.start_ms > closed_at + 50) {
      ++after_close;
      if (q.model == "gpt-4o") ++after_close_primary;
    }
  }
  EXPECT_GE(before_primary, before * 95 / 100);
  EXPECT_GT(during, 100);
  EXPECT_GT(after_close, 50);
  EXPECT_EQ(after_close_primary, after_close) << "traffic did not return to the primary";
}

}  // namespace
}  // namespace switchyard::e2e
