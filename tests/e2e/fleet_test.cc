// The fleet against a real redis-server: two or three daemons, each with its own fake
// provider, socket and history file, standing in for hosts.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "e2e/harness.h"
#include "e2e/history_db.h"
#include "redis_server.h"

namespace switchyard::e2e {
namespace {

using testbed::PollUntil;
using testbed::RedisServer;

constexpr const char* kPrompt = "fleet-test prompt text that must never reach Redis";

ClusterOptions HostOptions(const RedisServer& redis, const std::string& host,
                           const std::string& more = "", int64_t cooldown_ms = 1000) {
  ClusterOptions opt;
  opt.default_timeout_ms = 2000;
  opt.timeout_toml = "floor_ms = 20\n";
  opt.extra_toml = "[fleet]\nredis = \"" + redis.url() + "\"\nname = \"t\"\nhost = \"" + host +
                   "\"\npublish_interval_ms = 200\ntimeout_ms = 500\n" + more +
                   "[breaker]\ncooldown_ms = " + std::to_string(cooldown_ms) +
                   "\nmax_cooldown_ms = 60000\njitter = 0\n"
                   "[history]\nflush_ms = 10\n";
  return opt;
}

ModelStatus StatusOf(Client& c, const std::string& model) {
  for (const ModelStatus& m : c.GetStatus().result.models) {
    if (m.name == model) return m;
  }
  return {};
}

bool LinkUp(Client& c) { return c.GetStatus().result.fleet.state == "up"; }

CompleteRequest Ask() { return Cluster::Ask(kPrompt); }

// A real Redis and two hosts linked through it, started by Link().
class Fleet : public ::testing::Test {
 protected:
  void Link(int64_t cooldown_ms = 1000) {
    redis = std::make_unique<RedisServer>(dir);
    a = std::make_unique<Cluster>(HostOptions(*redis, "host-a", "", cooldown_ms));
    b = std::make_unique<Cluster>(HostOptions(*redis, "host-b", "", cooldown_ms));
    ca = a->Connect();
    cb = b->Connect();
    ASSERT_TRUE(PollUntil(5000, [&] { return LinkUp(*ca) && LinkUp(*cb); }));
  }

  TempDir dir;
  std::unique_ptr<RedisServer> redis;
  std::unique_ptr<Cluster> a;
  std::unique_ptr<Cluster> b;
  std::unique_ptr<Client> ca;
  std::unique_ptr<Client> cb;
};

// The newest transition of `model` to `state` in a host's history, once it is written.
int64_t OpenUntilInHistory(Cluster& host, const std::string& model) {
  Db db(host.history_path());
  std::string q = "SELECT COUNT(*) FROM breaker_transitions WHERE model = '" + model +
                  "' AND to_state = 'open'";
  if (!PollUntil(5000, [&] { return db.Int(q) > 0; })) return -1;
  return db.Int("SELECT open_until_ms FROM breaker_transitions WHERE model = '" + model +
                "' AND to_state = 'open' ORDER BY ts_ms DESC LIMIT 1");
}

TEST_F(Fleet, ABreakerOpenOnOneHostIsOpenOnTheOtherBeforeItCallsTheModel) {
  Link();

  a->fake().SetFault("gpt-4o", "mode=error&status=503");  // on host A only
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ca->Complete(Ask()).ok);
  ASSERT_EQ(StatusOf(*ca, "gpt-4o").breaker, "open");
  auto opened = std::chrono::steady_clock::now();
  ASSERT_TRUE(PollUntil(2000, [&] { return StatusOf(*cb, "gpt-4o").breaker == "open"; }));
  EXPECT_LT(MsSince(opened), 1000);

  // B never called it: its provider shows no call, and its request went straight on.
  CompleteReply r = cb->Complete(Ask());
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o-mini");
  ASSERT_FALSE(r.result.attempts.empty());
  EXPECT_EQ(r.result.attempts[0].outcome, "breaker_open");
  EXPECT_EQ(b->fake().Requests("gpt-4o"), 0);

  // The same open_until on both hosts, and B's history names where it came from.
  int64_t until_a = OpenUntilInHistory(*a, "gpt-4o");
  int64_t until_b = OpenUntilInHistory(*b, "gpt-4o");
  EXPECT_GT(until_a, 0);
  EXPECT_EQ(until_a, until_b);
  Db db(b->history_path());
  EXPECT_EQ(db.Text("SELECT reason FROM breaker_transitions WHERE model = 'gpt-4o' AND "
                    "to_state = 'open'"),
            "host host-a (fleet): 5 consecutive failures");
  ModelStatus sb = StatusOf(*cb, "gpt-4o");
  EXPECT_GT(sb.half_open_in_ms, 0);
  FleetStatus fb = cb->GetStatus().result.fleet;
  EXPECT_EQ(fb.host, "host-b");
  EXPECT_EQ(fb.redis, redis->url());
  EXPECT_GE(fb.events_applied, 1);
  EXPECT_EQ(fb.hosts, 2);

  // What crossed Redis: the fleet's keys only, and no prompt text or key in any of them.
  std::string keys = redis->Cli({"--scan"});
  EXPECT_NE(keys.find("t:breaker:gpt-4o"), std::string::npos) << keys;
  size_t start = 0;
  while (start < keys.size()) {
    size_t end = keys.find('\n', start);
    if (end == std::string::npos) end = keys.size();
    std::string key = keys.substr(start, end - start);
    start = end + 1;
    EXPECT_EQ(key.rfind("t:", 0), 0u) << key;
    std::string type = redis->Cli({"TYPE", key});
    std::string value =
        type == "string" ? redis->Cli({"GET", key}) : redis->Cli({"ZRANGE", key, "0", "-1"});
    EXPECT_EQ(value.find("fleet-test prompt"), std::string::npos) << key;
    EXPECT_EQ(value.find("sk-test"), std::string::npos) << key;
  }
}

TEST_F(Fleet, OneHostAtATimeProbesAndItsVerdictReachesEveryHost) {
  Link();
  a->fake().SetFault("gpt-4o", "mode=error&status=503");
  b->fake().SetFault("gpt-4o", "mode=error&status=503");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ca->Complete(Ask()).ok);
  ASSERT_TRUE(PollUntil(2000, [&] { return StatusOf(*cb, "gpt-4o").breaker == "open"; }));

  // Both hosts keep asking through two cool-downs (1 s, then 2 s after a failed probe).
  std::atomic<bool> stop{false};
  auto load = [&](Cluster& host) {
    auto c = host.Connect();
    while (!stop) {
      EXPECT_TRUE(c->Complete(Ask()).ok);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // pacing, not waiting
    }
  };
  std::thread ta(load, std::ref(*a)), tb(load, std::ref(*b));
  // Until the second probe has happened somewhere (or a bound passes).
  auto probes = [&] { return a->fake().Requests("gpt-4o") - 5 + b->fake().Requests("gpt-4o"); };
  bool two = PollUntil(8000, [&] { return probes() >= 2; });
  // A second host probing in the same cool-down would do so before the verdict reaches it:
  // once both hosts are open again, that moment has passed.
  EXPECT_TRUE(PollUntil(3000, [&] {
    return StatusOf(*ca, "gpt-4o").breaker == "open" && StatusOf(*cb, "gpt-4o").breaker == "open";
  }));
  stop = true;
  ta.join();
  tb.join();
  EXPECT_TRUE(two);

  // The probes, from both histories: each a half-open move, never two in one cool-down.
  auto half_opens_in = [](Cluster& host) {
    Db db(host.history_path());
    return db.Int("SELECT COUNT(*) FROM breaker_transitions WHERE to_state = 'half_open'");
  };
  EXPECT_TRUE(PollUntil(3000, [&] { return half_opens_in(*a) + half_opens_in(*b) >= probes(); }));
  std::vector<int64_t> half_opens;
  for (Cluster* host : {a.get(), b.get()}) {
    Db db(host->history_path());
    int64_t n = half_opens_in(*host);
    for (int64_t i = 0; i < n; ++i) {
      half_opens.push_back(db.Int(
          "SELECT ts_ms FROM breaker_transitions WHERE to_state = 'half_open' ORDER BY ts_ms "
          "LIMIT 1 OFFSET " +
          std::to_string(i)));
    }
  }
  std::sort(half_opens.begin(), half_opens.end());
  EXPECT_EQ(static_cast<int64_t>(half_opens.size()), probes());
  EXPECT_EQ(probes(), 2);
  for (size_t i = 1; i < half_opens.size(); ++i) {
    EXPECT_GE(half_opens[i] - half_opens[i - 1], 900) << "two probes in one cool-down";
  }
  // The failed probes' longer cool-down reached both hosts: they are open together.
  EXPECT_EQ(StatusOf(*ca, "gpt-4o").breaker, "open");
  EXPECT_EQ(StatusOf(*cb, "gpt-4o").breaker, "open");
  EXPECT_GT(OpenUntilInHistory(*a, "gpt-4o"), 0);
  EXPECT_EQ(OpenUntilInHistory(*a, "gpt-4o"), OpenUntilInHistory(*b, "gpt-4o"));

  // Healed: the next probe closes it, on every host.
  a->fake().SetFault("gpt-4o", "mode=ok");
  b->fake().SetFault("gpt-4o", "mode=ok");
  ASSERT_TRUE(PollUntil(10000, [&] {
    ca->Complete(Ask());
    cb->Complete(Ask());
    return StatusOf(*ca, "gpt-4o").breaker == "closed" &&
           StatusOf(*cb, "gpt-4o").breaker == "closed";
  }));
}

TEST_F(Fleet, WithRedisGoneHostsCarryOnAloneAndRejoinWhenItReturns) {
  // A cool-down that outlasts the outage: what A learns alone is still news when it rejoins.
  Link(30000);

  redis->Kill();
  for (int i = 0; i < 10; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(ca->Complete(Ask()).ok);
    ASSERT_TRUE(cb->Complete(Ask()).ok);
    EXPECT_LT(MsSince(t0), 1000) << "a request waited on Redis";
  }
  ASSERT_TRUE(PollUntil(3000, [&] {
    return ca->GetStatus().result.fleet.state == "down" &&
           cb->GetStatus().result.fleet.state == "down";
  }));
  EXPECT_FALSE(ca->GetStatus().result.fleet.last_error.empty());

  // Alone, a host's breaker still opens, on its own calls.
  a->fake().SetFault("gpt-4o", "mode=error&status=503");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(ca->Complete(Ask()).ok);
  EXPECT_EQ(StatusOf(*ca, "gpt-4o").breaker, "open");
  EXPECT_EQ(StatusOf(*cb, "gpt-4o").breaker, "closed");
  // Reconnects fail meanwhile: the error is then a failed connection, not the loss (hiredis
  // 0.14's libuv adapter drops a refused connect's error, so the link's watchdog reports it).
  // The outage is logged once.
  ASSERT_TRUE(PollUntil(5000, [&] {
    std::string e = ca->GetStatus().result.fleet.last_error;
    return e.find("refused") != std::string::npos ||
           e.find("no connection within") != std::string::npos;
  })) << ca->GetStatus().result.fleet.last_error;
  redis->Start();
  ASSERT_TRUE(PollUntil(10000, [&] { return LinkUp(*ca) && LinkUp(*cb); }));
  EXPECT_GE(ca->GetStatus().result.fleet.reconnects, 1);
  std::string log = a->daemon_log();
  size_t lost = 0;
  for (size_t at = log.find("Redis at"); at != std::string::npos;
       at = log.find("Redis at", at + 1)) {
    if (log.compare(at > 5 ? at - 5 : 0, 4, "lost") == 0) ++lost;
  }
  EXPECT_EQ(lost, 1u) << log;
  // Caught up: what A learned alone reaches B once the link is back.
  ASSERT_TRUE(PollUntil(3000, [&] { return StatusOf(*cb, "gpt-4o").breaker == "open"; }));
  int64_t b_calls = b->fake().Requests("gpt-4o");  // made alone, while Redis was down
  CompleteReply r = cb->Complete(Ask());
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result.model, "gpt-4o-mini");
  EXPECT_EQ(b->fake().Requests("gpt-4o"), b_calls);
}

TEST_F(Fleet, ANewHostStartsWithTheTimeoutsTheOthersLearned) {
  Link();
  a->fake().SetFault("gpt-4o", "latency_ms=100");
  b->fake().SetFault("gpt-4o", "latency_ms=100");
  // 15 samples each: too few alone (min_samples 20), enough together.
  for (int i = 0; i < 15; ++i) {
    ASSERT_TRUE(ca->Complete(Ask()).ok);
    ASSERT_TRUE(cb->Complete(Ask()).ok);
  }
  auto task_of = [](Client& c) {
    for (const TaskStatus& t : StatusOf(c, "gpt-4o").tasks) {
      if (t.task == "default") return t;
    }
    return TaskStatus{};
  };
  // B's summary holds all 15 once it has been published after its last answer.
  ASSERT_TRUE(PollUntil(3000, [&] { return task_of(*ca).fleet_samples == 15; }));
  TaskStatus ta = task_of(*ca);
  EXPECT_EQ(ta.samples, 15);
  EXPECT_EQ(ta.timeout_source, "fleet");

  Cluster c(HostOptions(*redis, "host-c"));
  auto cc = c.Connect();
  ASSERT_TRUE(PollUntil(3000, [&] { return task_of(*cc).fleet_samples == 30; }));
  TaskStatus tc = task_of(*cc);
  EXPECT_EQ(tc.timeout_source, "fleet");
  EXPECT_EQ(tc.samples, 0);
  EXPECT_EQ(tc.fleet_samples, 30);
  EXPECT_GE(tc.timeout_ms, 95);
  EXPECT_LE(tc.timeout_ms, 115);
  EXPECT_EQ(c.fake().Requests("gpt-4o"), 0);
  // Its first call is given that timeout.
  ASSERT_TRUE(cc->Complete(Ask()).ok);
  Db db(c.history_path());
  ASSERT_TRUE(PollUntil(3000, [&] { return db.Int("SELECT COUNT(*) FROM attempts") > 0; }));
  EXPECT_EQ(db.Int("SELECT timeout_ms FROM attempts WHERE model = 'gpt-4o'"), tc.timeout_ms);
}

TEST_F(Fleet, APasswordIsUsedAndNeverShown) {
  redis = std::make_unique<RedisServer>(dir, "fleet-pass-0123456789");
  testbed::WriteFile(dir.File("good"), "fleet-pass-0123456789\n");
  testbed::WriteFile(dir.File("bad"), "wrong-pass-9876543210\n");
  a = std::make_unique<Cluster>(
      HostOptions(*redis, "host-a", "password_file = \"" + dir.File("good") + "\"\n"));
  b = std::make_unique<Cluster>(
      HostOptions(*redis, "host-b", "password_file = \"" + dir.File("bad") + "\"\n"));
  ca = a->Connect();
  cb = b->Connect();
  ASSERT_TRUE(PollUntil(5000, [&] { return LinkUp(*ca); }));
  ASSERT_TRUE(PollUntil(5000, [&] { return cb->GetStatus().result.fleet.state == "down"; }));
  FleetStatus fb = cb->GetStatus().result.fleet;
  EXPECT_NE(fb.last_error.find("refused the password"), std::string::npos) << fb.last_error;
  EXPECT_TRUE(cb->Complete(Ask()).ok);  // and it serves, alone
  for (Cluster* host : {a.get(), b.get()}) {
    std::string log = host->daemon_log();
    EXPECT_EQ(log.find("pass-0123456789"), std::string::npos);
    EXPECT_EQ(log.find("pass-9876543210"), std::string::npos);
  }
  EXPECT_EQ(fb.last_error.find("pass-9876543210"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::e2e
