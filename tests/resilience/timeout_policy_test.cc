#include "resilience/timeout_policy.h"

#include <gtest/gtest.h>

#include <cmath>
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

// One attempt on "gpt"/"chat" taking `latency` at `now`, cut off at the timeout in force as
// the router does; returns that timeout.
int64_t Attempt(TimeoutPolicy& policy, int64_t now, int64_t latency, const TimeoutParams& p,
                bool breaker_closed = true) {
  int64_t timeout = policy.TimeoutFor("gpt", "chat", now, p, breaker_closed).ms;
  bool cut = latency > timeout;
  policy.Record("gpt", "chat", now, cut ? timeout : latency, cut, p.window_ms);
  return timeout;
}

TEST(TimeoutPolicy, DefaultUntilMinSamplesThenClampedP95) {
  TimeoutPolicy policy;
  TimeoutParams p = Params();
  for (int i = 0; i < 19; ++i) policy.Record("m", "t", i, 600, false, p.window_ms);
  EXPECT_EQ(policy.TimeoutFor("m", "t", 100, p).ms, 5000);
  policy.Record("m", "t", 20, 600, false, p.window_ms);
  EXPECT_NEAR(policy.TimeoutFor("m", "t", 100, p).ms, 600, 10);
  // Other tasks of the same model learn separately.
  EXPECT_EQ(policy.TimeoutFor("m", "other", 100, p).ms, 5000);
  p.p95_multiplier = 1.5;
  EXPECT_NEAR(policy.TimeoutFor("m", "t", 100, p).ms, 900, 15);
  TimeoutPolicy fast;
  for (int i = 0; i < 30; ++i) fast.Record("m", "t", i, 20, false, p.window_ms);
  EXPECT_EQ(fast.TimeoutFor("m", "t", 100, p).ms, 300);  // the floor
}

// 7% of the window cut off, but answers above the cutoff were seen (calls kept running after
// it): the P95 is known among them, and the timeout moves up to it instead of freezing.
TEST(TimeoutPolicy, CutOffsWithAnswersAboveThemStillLearn) {
  TimeoutParams p = Params();
  p.floor_ms = 1;
  TimeoutPolicy policy;
  for (int i = 0; i < 7; ++i) policy.Record("m", "t", i, 150, true, p.window_ms);
  for (int i = 0; i < 2; ++i) policy.Record("m", "t", 10 + i, 400, false, p.window_ms);
  for (int i = 0; i < 91; ++i) policy.Record("m", "t", 20 + i, 100, false, p.window_ms);
  TimeoutPolicy::Timeout t = policy.TimeoutFor("m", "t", 200, p);
  EXPECT_LT(t.frozen_since_ms, 0);
  EXPECT_NEAR(t.ms, 400, 400 * 0.015);
}

// While at most 5% of the window is censored, where the censored samples sit does not move
// P95: recorded at their cutoff or at their true (unknown) latency, the rank is the same.
TEST(TimeoutPolicy, CensoredAtTheCutoffLeavesP95Exact) {
  TimeoutParams p = Params();
  TimeoutPolicy at_cutoff, at_truth;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> healthy(600, 60);
  for (int i = 0; i < 1000; ++i) {
    if (i % 25 == 0) {  // 4%: hung for 12 s, cut off at 800 ms
      at_cutoff.Record("m", "t", i, 800, true, p.window_ms);
      at_truth.Record("m", "t", i, 12000, false, p.window_ms);
    } else {
      auto l = static_cast<int64_t>(healthy(rng));
      at_cutoff.Record("m", "t", i, l, false, p.window_ms);
      at_truth.Record("m", "t", i, l, false, p.window_ms);
    }
  }
  EXPECT_EQ(at_cutoff.TimeoutFor("m", "t", 1000, p).ms, at_truth.TimeoutFor("m", "t", 1000, p).ms);
  auto stats = at_cutoff.Stats(1000);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].censored, 40u);
  EXPECT_EQ(stats[0].samples, 1000u);
}

// The demo's incident: ~600 ms answers, then 12 s for ten minutes, then ~600 ms again. The
// timeout must hold at its healthy value throughout (not climb with cut-off samples), say
// it is frozen, and learn again once answers are clean. (With a multiplier of 1.0, 5% of
// healthy calls are cut off by design and the freeze comes and goes at the healthy value;
// 1.5 keeps the healthy phase clean so that the test can see exactly when it froze.)
TEST(TimeoutPolicy, FrozenAtTheHealthyValueThroughAnIncident) {
  TimeoutPolicy policy;
  TimeoutParams p = Params();
  p.p95_multiplier = 1.5;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> healthy(600, 60);
  int64_t now = 0;
  for (int i = 0; i < 600; ++i) Attempt(policy, now += 1000, static_cast<int64_t>(healthy(rng)), p);
  int64_t healthy_timeout = policy.TimeoutFor("gpt", "chat", now, p).ms;
  EXPECT_GT(healthy_timeout, 1.5 * 650);
  EXPECT_LT(healthy_timeout, 1.5 * 900);

  int64_t incident_start = now;
  for (int i = 0; i < 600; ++i) {
    EXPECT_EQ(Attempt(policy, now += 1000, 12000, p), healthy_timeout) << "attempt " << i;
  }
  TimeoutPolicy::Timeout during = policy.TimeoutFor("gpt", "chat", now, p);
  EXPECT_EQ(during.ms, healthy_timeout);
  // Frozen from the attempt after the second cut-off (two of twenty is more than 5%).
  EXPECT_EQ(during.frozen_since_ms, incident_start + 3000);

  for (int i = 0; i < 1200; ++i)
    Attempt(policy, now += 1000, static_cast<int64_t>(healthy(rng)), p);
  TimeoutPolicy::Timeout after = policy.TimeoutFor("gpt", "chat", now, p);
  EXPECT_EQ(after.frozen_since_ms, -1);
  EXPECT_NEAR(after.ms, healthy_timeout, healthy_timeout / 10);
}

// A breaker not closed freezes the timeout even while its samples are clean (a probe's slow
// answers), and closing it lets the window speak again.
TEST(TimeoutPolicy, BreakerNotClosedFreezes) {
  TimeoutPolicy policy;
  TimeoutParams p = Params();
  int64_t now = 0;
  for (int i = 0; i < 100; ++i) Attempt(policy, now += 100, 600, p);
  int64_t healthy_timeout = policy.TimeoutFor("gpt", "chat", now, p).ms;
  for (int i = 0; i < 100; ++i) policy.Record("gpt", "chat", now += 100, 1500, false, p.window_ms);
  TimeoutPolicy::Timeout open = policy.TimeoutFor("gpt", "chat", now, p, false);
  EXPECT_EQ(open.ms, healthy_timeout);
  EXPECT_EQ(open.frozen_since_ms, now);
  TimeoutPolicy::Timeout closed = policy.TimeoutFor("gpt", "chat", now, p, true);
  EXPECT_EQ(closed.frozen_since_ms, -1);
  EXPECT_NEAR(closed.ms, 1500, 25);
}

// Trouble is judged over the last 20 samples: one cut-off in twenty is not trouble, two are,
// and clean samples thaw it.
TEST(TimeoutPolicy, ThawsOnCleanSamples) {
  TimeoutPolicy policy;
  TimeoutParams p = Params();
  int64_t now = 0;
  for (int i = 0; i < 40; ++i) policy.Record("gpt", "chat", now += 10, 600, false, p.window_ms);
  policy.Record("gpt", "chat", now += 10, 600, true, p.window_ms);
  EXPECT_EQ(policy.TimeoutFor("gpt", "chat", now, p).frozen_since_ms, -1);
  policy.Record("gpt", "chat", now += 10, 600, true, p.window_ms);
  EXPECT_EQ(policy.TimeoutFor("gpt", "chat", now, p).frozen_since_ms, now);
  for (int i = 0; i < 18; ++i) policy.Record("gpt", "chat", now += 10, 600, false, p.window_ms);
  EXPECT_GE(policy.TimeoutFor("gpt", "chat", now, p).frozen_since_ms, 0);  // 2 of the last 20
  policy.Record("gpt", "chat", now += 10, 600, false, p.window_ms);
  EXPECT_EQ(policy.TimeoutFor("gpt", "chat", now, p).frozen_since_ms, -1);  // 1 of 20
}

// A model that never had a healthy timeout has nothing to freeze at: it keeps its default.
TEST(TimeoutPolicy, NothingToFreezeAtKeepsTheDefault) {
  TimeoutPolicy policy;
  TimeoutParams p = Params();
  int64_t now = 0;
  for (int i = 0; i < 5; ++i) Attempt(policy, now += 1000, 12000, p);
  EXPECT_EQ(policy.TimeoutFor("gpt", "chat", now, p).ms, 5000);
}

TEST(TimeoutPolicy, ForgetDropsEveryTaskOfTheModelOnly) {
  TimeoutPolicy policy;
  TimeoutParams p = Params();
  for (int i = 0; i < 30; ++i) {
    policy.Record("gpt", "chat", i, 600, false, p.window_ms);
    policy.Record("gpt", "sum", i, 700, false, p.window_ms);
    policy.Record("mini", "chat", i, 300, false, p.window_ms);
  }
  policy.Forget("gpt");
  EXPECT_EQ(policy.TimeoutFor("gpt", "chat", 100, p).ms, 5000);
  EXPECT_EQ(policy.TimeoutFor("gpt", "sum", 100, p).ms, 5000);
  EXPECT_NEAR(policy.TimeoutFor("mini", "chat", 100, p).ms, 300, 5);
  EXPECT_EQ(policy.Stats(100).size(), 1u);
}

// A heavy-tailed healthy model (lognormal, P95 about 1 s), each attempt cut off at the timeout
// in force, ten requests a second for ten minutes: the timeout must neither spiral down (cut
// samples read as fast) nor creep up (cut samples read as slow).
TEST(TimeoutPolicy, HeavyTailDoesNotDrift) {
  TimeoutPolicy policy;
  TimeoutParams p = Params();
  std::mt19937_64 rng(7);
  // median 400 ms; sigma so that P95 = 400 * exp(1.645 sigma) = 1000 ms.
  std::lognormal_distribution<double> heavy(std::log(400.0), std::log(2.5) / 1.645);
  int64_t now = 0;
  for (int i = 0; i < 3000; ++i) Attempt(policy, now += 100, static_cast<int64_t>(heavy(rng)), p);
  // Learned from cut-off samples since the 21st: no value above the timeout is ever seen, so
  // it settles where the cut-off share is about 5%, a little under the true P95.
  int64_t start = policy.TimeoutFor("gpt", "chat", now, p).ms;
  EXPECT_GT(start, 800);
  EXPECT_LT(start, 1050);
  int64_t lowest = start, highest = start;
  for (int i = 0; i < 6000; ++i) {
    int64_t t = Attempt(policy, now += 100, static_cast<int64_t>(heavy(rng)), p);
    lowest = std::min(lowest, t);
    highest = std::max(highest, t);
  }
  EXPECT_GT(lowest, start * 0.9);
  EXPECT_LT(highest, start * 1.1);
}

TEST(TimeoutPolicy, StatsPerKey) {
  TimeoutPolicy policy;
  for (int i = 1; i <= 100; ++i) policy.Record("m", "t", i, i * 10, i > 98, 900000);
  auto stats = policy.Stats(200);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].samples, 100u);
  EXPECT_EQ(stats[0].censored, 2u);
  EXPECT_NEAR(stats[0].p50_ms, 500, 10);
  EXPECT_NEAR(stats[0].p95_ms, 950, 15);
}

TEST(TimeoutPolicy, TooFewSamplesOfItsOwnBorrowTheFleets) {
  TimeoutPolicy policy;
  TimeoutParams p = Params();
  p.floor_ms = 10;
  TimeoutPolicy::FleetSamples other;
  for (int i = 0; i < 15; ++i) other.all.Add(LatencyHistogram::BucketOf(400));
  policy.SetFleetView({{{"gpt", "chat"}, other}});
  // 15 of the fleet's: still too few.
  EXPECT_EQ(policy.TimeoutFor("gpt", "chat", 0, p).ms, 5000);
  EXPECT_FALSE(policy.TimeoutFor("gpt", "chat", 0, p).from_fleet);
  // With 5 of its own, 20 together: their P95, from the fleet.
  for (int i = 0; i < 5; ++i) policy.Record("gpt", "chat", i, 800, false, p.window_ms);
  TimeoutPolicy::Timeout t = policy.TimeoutFor("gpt", "chat", 10, p);
  EXPECT_TRUE(t.from_fleet);
  EXPECT_NEAR(t.ms, 800, 800 * 0.02);  // the 95th of 20: one of its own
  // Enough of its own: the fleet's are no longer used.
  for (int i = 0; i < 20; ++i) policy.Record("gpt", "chat", 20 + i, 200, false, p.window_ms);
  t = policy.TimeoutFor("gpt", "chat", 50, p);
  EXPECT_FALSE(t.from_fleet);
  EXPECT_NEAR(t.ms, 800, 800 * 0.02);
  std::vector<TimeoutPolicy::KeyStats> stats = policy.Stats(50);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].fleet_samples, 15u);
}

TEST(TimeoutPolicy, AKeyOnlyTheFleetHasSeenIsListedAndForgottenWithTheView) {
  TimeoutPolicy policy;
  TimeoutParams p = Params();
  TimeoutPolicy::FleetSamples other;
  for (int i = 0; i < 40; ++i) other.all.Add(LatencyHistogram::BucketOf(1200));
  policy.SetFleetView({{{"claude", "chat"}, other}});
  EXPECT_NEAR(policy.TimeoutFor("claude", "chat", 0, p).ms, 1200, 1200 * 0.02);
  std::vector<TimeoutPolicy::KeyStats> stats = policy.Stats(0);
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].model, "claude");
  EXPECT_EQ(stats[0].samples, 0u);
  EXPECT_EQ(stats[0].fleet_samples, 40u);
  policy.SetFleetView({});
  EXPECT_EQ(policy.TimeoutFor("claude", "chat", 0, p).ms, 5000);
  EXPECT_TRUE(policy.Stats(0).empty());
}

}  // namespace
}  // namespace switchyard
