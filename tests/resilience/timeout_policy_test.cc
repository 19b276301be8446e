#include "resilience/timeout_policy.h"

#include <gtest/gtest.h>

#include <random>

namespace switchyard {
namespace {

TimeoutParams Params() {
  TimeoutParams p;
  p.default_ms = 5000;
  p.p95_multiplier = 1.0;
  p.floor_ms = 300;
  p.ceiling_ms = 10000;
  p.min_samples = 20;
  p.window_ms = 900000;
  return p;
}

TEST(TimeoutPolicy, DefaultUntilMinSamplesThenClampedP95) {
  TimeoutPolicy policy;
  TimeoutParams p = Params();
  for (int i = 0; i < 19; ++i) policy.Record("m", "t", i, 600, false, p.window_ms);
  EXPECT_EQ(policy.TimeoutFor("m", "t", 100, p), 5000);
  policy.Record("m", "t", 20, 600, false, p.window_ms);
  EXPECT_NEAR(policy.TimeoutFor("m", "t", 100, p), 600, 10);
  // Other tasks of the same model learn separately.
  EXPECT_EQ(policy.TimeoutFor("m", "other", 100, p), 5000);
  p.p95_multiplier = 1.5;
  EXPECT_NEAR(policy.TimeoutFor("m", "t", 100, p), 900, 15);
  TimeoutPolicy fast;
  for (int i = 0; i < 30; ++i) fast.Record("m", "t", i, 20, false, p.window_ms);
  EXPECT_EQ(fast.TimeoutFor("m", "t", 100, p), 300);  // the floor
}

// A model answering in ~600 ms slows to 12 s. Every attempt now times out: those censored
// samples must push the timeout up to the ceiling, and it must never dip below the healthy
// P95 on the way.
TEST(TimeoutPolicy, CensoredTimeoutsRaiseTheTimeoutToTheCeiling) {
  TimeoutPolicy policy;
  TimeoutParams p = Params();
  std::mt19937_64 rng(3);
  std::normal_distribution<double> healthy(600, 60);
  int64_t now = 0;
  for (int i = 0; i < 600; ++i) {  // 10 minutes at one request a second
    now += 1000;
    int64_t timeout = policy.TimeoutFor("gpt", "chat", now, p);
    int64_t latency = static_cast<int64_t>(healthy(rng));
    bool cut = latency > timeout;
    policy.Record("gpt", "chat", now, cut ? timeout : latency, cut, p.window_ms);
  }
  int64_t healthy_timeout = policy.TimeoutFor("gpt", "chat", now, p);
  EXPECT_GT(healthy_timeout, 650);
  EXPECT_LT(healthy_timeout, 900);

  int64_t lowest = INT64_MAX, last = 0;
  for (int i = 0; i < 600; ++i) {  // the incident: 12 s answers
    now += 1000;
    int64_t timeout = policy.TimeoutFor("gpt", "chat", now, p);
    lowest = std::min(lowest, timeout);
    bool cut = 12000 > timeout;
    policy.Record("gpt", "chat", now, cut ? timeout : 12000, cut, p.window_ms);
    last = policy.TimeoutFor("gpt", "chat", now, p);
  }
  EXPECT_GE(lowest, healthy_timeout);
  EXPECT_EQ(last, p.ceiling_ms);
}

TEST(TimeoutPolicy, RecoversOnceAnswersAreFastAgain) {
  TimeoutPolicy policy;
  TimeoutParams p = Params();
  p.window_ms = 60000;
  int64_t now = 0;
  for (int i = 0; i < 100; ++i) policy.Record("m", "t", now += 100, 5000, true, p.window_ms);
  // Censored at 5 s, recorded as 10 s: P95 is 10 s within a bucket.
  EXPECT_NEAR(policy.TimeoutFor("m", "t", now, p), 10000, 150);
  for (int i = 0; i < 700; ++i) policy.Record("m", "t", now += 100, 500, false, p.window_ms);
  EXPECT_NEAR(policy.TimeoutFor("m", "t", now, p), 500, 10);
}

TEST(TimeoutPolicy, StatsPerKey) {
  TimeoutPolicy policy;
  for (int i = 1; i <= 100; ++i) policy.Record("m", "t", i, i * 10, false, 900000);
  auto stats = policy.Stats(200);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].samples, 100u);
  EXPECT_NEAR(stats[0].p50_ms, 500, 10);
  EXPECT_NEAR(stats[0].p95_ms, 950, 15);
}

}  // namespace
}  // namespace switchyard
