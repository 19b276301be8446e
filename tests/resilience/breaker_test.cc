#include "resilience/breaker.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

BreakerParams Params() {
  BreakerParams p;
  p.window_ms = 10000;
  p.min_calls = 10;
  p.failure_rate = 0.5;
  p.slow_rate = 0.8;
  p.consecutive_failures = 5;
  p.consecutive_timeouts = 10;
  p.cooldown_ms = 1000;
  p.cooldown_multiplier = 2.0;
  p.max_cooldown_ms = 8000;
  p.jitter = 0;  // exact times; jitter has its own test
  p.half_open_probes = 1;
  return p;
}

TEST(Breaker, FailureRateOpensOnlyWithMinimumCalls) {
  Breaker b(Params(), 1);
  int64_t now = 0;
  // 4 failures of 8 calls: 50%, but fewer than min_calls.
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(b.Record(now += 10, CallResult::kFailure).happened);
    EXPECT_FALSE(b.Record(now += 10, CallResult::kSuccess).happened);
  }
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  EXPECT_FALSE(b.Record(now += 10, CallResult::kSuccess).happened);  // 4/9
  BreakerTransition t = b.Record(now += 10, CallResult::kFailure);   // 5/10
  ASSERT_TRUE(t.happened);
  EXPECT_EQ(t.to, BreakerState::kOpen);
  EXPECT_EQ(t.reason, "failure rate 50% over 10 calls");
  EXPECT_EQ(t.open_until_ms, now + 1000);
  EXPECT_FALSE(b.Allow(now + 999, nullptr));
}

TEST(Breaker, OldCallsLeaveTheWindow) {
  Breaker b(Params(), 1);
  for (int i = 0; i < 9; ++i) b.Record(i, i < 4 ? CallResult::kFailure : CallResult::kSuccess);
  EXPECT_EQ(b.calls(100), 9);
  EXPECT_EQ(b.calls(20000), 0);  // a window later, nothing counts
  EXPECT_DOUBLE_EQ(b.failure_rate(20000), 0);
}

TEST(Breaker, ConsecutiveFailuresOpenBeforeTheRateDoes) {
  Breaker b(Params(), 1);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(b.Record(i, CallResult::kFailure).happened);
  BreakerTransition t = b.Record(5, CallResult::kFailure);
  ASSERT_TRUE(t.happened);
  EXPECT_EQ(t.reason, "5 consecutive failures");
}

TEST(Breaker, SuccessBreaksTheRun) {
  Breaker b(Params(), 1);
  for (int i = 0; i < 20; ++i) {
    BreakerTransition t =
        b.Record(i * 10, i % 4 == 3 ? CallResult::kSuccess : CallResult::kFailure);
    if (t.happened) {
      EXPECT_EQ(t.reason, "failure rate 80% over 10 calls");  // the rate, not the run
      return;
    }
  }
  FAIL() << "never opened";
}

TEST(Breaker, SlowCallRateOpens) {
  Breaker b(Params(), 1);
  int64_t now = 0;
  b.Record(now += 10, CallResult::kSuccess);
  b.Record(now += 10, CallResult::kSuccess);
  for (int i = 0; i < 7; ++i) {
    EXPECT_FALSE(b.Record(now += 10, CallResult::kSlowSuccess).happened);
  }
  BreakerTransition t = b.Record(now += 10, CallResult::kSlowSuccess);  // 8 slow of 10
  ASSERT_TRUE(t.happened);
  EXPECT_EQ(t.reason, "slow-call rate 80% over 10 calls");
}

// Runs alone: no rate may open it.
BreakerParams RunsOnly() {
  BreakerParams p = Params();
  p.min_calls = 1000000;
  return p;
}

TEST(Breaker, CutOffsNeedTheLongerRun) {
  Breaker b(RunsOnly(), 1);
  for (int i = 0; i < 9; ++i) EXPECT_FALSE(b.Record(i, CallResult::kSlow).happened) << i;
  BreakerTransition t = b.Record(9, CallResult::kSlow);
  ASSERT_TRUE(t.happened);
  EXPECT_EQ(t.reason, "10 calls in a row timed out");
}

TEST(Breaker, ErrorsAndCutOffsMakeOneRunWeighedByTheirLengths) {
  Breaker b(RunsOnly(), 1);
  // A cut-off is 1/10 of the way, an error 1/5: S F S F S F is 9/10, the next cut-off 10/10.
  for (int i = 0; i < 6; ++i) {
    EXPECT_FALSE(b.Record(i, i % 2 ? CallResult::kFailure : CallResult::kSlow).happened) << i;
  }
  BreakerTransition t = b.Record(6, CallResult::kSlow);
  ASSERT_TRUE(t.happened);
  EXPECT_EQ(t.reason, "7 calls in a row failed (3) or timed out (4)");
}

TEST(Breaker, ARunOfErrorsSetOutOfReachLeavesTheCutOffRun) {
  BreakerParams p = RunsOnly();
  p.consecutive_failures = 1000000;
  Breaker b(p, 1);
  for (int i = 0; i < 50; ++i) EXPECT_FALSE(b.Record(i, CallResult::kFailure).happened) << i;
  for (int i = 0; i < 9; ++i) EXPECT_FALSE(b.Record(100 + i, CallResult::kSlow).happened) << i;
  EXPECT_TRUE(b.Record(200, CallResult::kSlow).happened);
}

TEST(Breaker, AnAnswerEndsTheRun) {
  Breaker b(RunsOnly(), 1);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 2; ++i) b.Record(round * 100 + i, CallResult::kFailure);
    for (int i = 0; i < 5; ++i) b.Record(round * 100 + 10 + i, CallResult::kSlow);  // 9/10
    // A late answer (after the soft timeout) is still an answer.
    b.Record(round * 100 + 20, round ? CallResult::kSlowSuccess : CallResult::kSuccess);
  }
  EXPECT_EQ(b.state(), BreakerState::kClosed);
}

TEST(Breaker, RetryAfterKeepsItOpenAtLeastThatLong) {
  Breaker b(Params(), 1);
  BreakerTransition t = b.Record(100, CallResult::kFailure, 7000);
  ASSERT_TRUE(t.happened);
  EXPECT_EQ(t.open_until_ms, 7100);  // longer than the 1 s cool-down
  EXPECT_FALSE(b.Allow(7099, nullptr));
  BreakerTransition h;
  EXPECT_TRUE(b.Allow(7100, &h));
  EXPECT_EQ(h.to, BreakerState::kHalfOpen);
  // A late 429 from a call started earlier extends it.
  Breaker c(Params(), 1);
  c.Record(0, CallResult::kFailure, 1000);
  c.Record(10, CallResult::kFailure, 5000);
  EXPECT_EQ(c.open_until_ms(), 5010);
}

TEST(Breaker, HalfOpenProbeSuccessCloses) {
  Breaker b(Params(), 1);
  for (int i = 0; i < 5; ++i) b.Record(i, CallResult::kFailure);
  ASSERT_EQ(b.state(), BreakerState::kOpen);
  BreakerTransition h;
  ASSERT_TRUE(b.Allow(1004, &h));
  EXPECT_TRUE(h.happened);
  EXPECT_EQ(h.from, BreakerState::kOpen);
  EXPECT_EQ(h.to, BreakerState::kHalfOpen);
  BreakerTransition t = b.Record(1200, CallResult::kSuccess);
  ASSERT_TRUE(t.happened);
  EXPECT_EQ(t.to, BreakerState::kClosed);
  EXPECT_EQ(t.reason, "probe succeeded");
  EXPECT_TRUE(b.Allow(1201, nullptr));
  EXPECT_EQ(b.calls(1201), 0);  // a fresh window after closing
}

TEST(Breaker, FailedProbesGrowTheCooldownUpToTheMaximum) {
  Breaker b(Params(), 1);
  int64_t now = 0;
  for (int i = 0; i < 5; ++i) b.Record(now, CallResult::kFailure);
  for (int64_t want : {2000, 4000, 8000, 8000}) {
    now = b.open_until_ms();
    ASSERT_TRUE(b.Allow(now, nullptr));
    BreakerTransition t = b.Record(now + 50, CallResult::kFailure);
    ASSERT_TRUE(t.happened);
    EXPECT_EQ(t.to, BreakerState::kOpen);
    EXPECT_EQ(b.cooldown_ms(), want);
    EXPECT_EQ(t.open_until_ms, now + 50 + want);
  }
  // Success resets it.
  now = b.open_until_ms();
  ASSERT_TRUE(b.Allow(now, nullptr));
  b.Record(now + 1, CallResult::kSuccess);
  EXPECT_EQ(b.cooldown_ms(), 1000);
}

TEST(Breaker, SlowProbeDoesNotClose) {
  Breaker b(Params(), 1);
  for (int i = 0; i < 5; ++i) b.Record(0, CallResult::kFailure);
  ASSERT_TRUE(b.Allow(1000, nullptr));
  BreakerTransition t = b.Record(3000, CallResult::kSlowSuccess);
  EXPECT_EQ(t.to, BreakerState::kOpen);
  EXPECT_EQ(t.reason, "probe was slow; cool-down now 2000 ms");
}

TEST(Breaker, HalfOpenBoundsProbesUnderConcurrency) {
  BreakerParams p = Params();
  p.half_open_probes = 2;
  Breaker b(p, 1);
  for (int i = 0; i < 5; ++i) b.Record(0, CallResult::kFailure);
  int allowed = 0;
  for (int i = 0; i < 50; ++i) allowed += b.Allow(1000, nullptr) ? 1 : 0;
  EXPECT_EQ(allowed, 2);
  b.Release();  // one probe cancelled: its slot is free again
  EXPECT_TRUE(b.Allow(1001, nullptr));
  EXPECT_FALSE(b.Allow(1001, nullptr));
}

TEST(Breaker, JitterSpreadsCooldowns) {
  BreakerParams p = Params();
  p.jitter = 0.2;
  int64_t lo = INT64_MAX, hi = 0;
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    Breaker b(p, seed);
    for (int i = 0; i < 5; ++i) b.Record(0, CallResult::kFailure);
    lo = std::min(lo, b.open_until_ms());
    hi = std::max(hi, b.open_until_ms());
  }
  EXPECT_GE(lo, 800);
  EXPECT_LE(hi, 1200);
  EXPECT_GT(hi - lo, 100);
}

TEST(Breaker, RestoreOpenKeepsTheRemainingTime) {
  Breaker b(Params(), 1);
  b.RestoreOpen(5000, 4000);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_FALSE(b.Allow(4999, nullptr));
  EXPECT_TRUE(b.Allow(5000, nullptr));
  EXPECT_EQ(b.cooldown_ms(), 4000);
}

TEST(Breaker, HeldItStaysOpenPastItsCoolDownUntilLetGo) {
  Breaker b(Params(), 1);
  int64_t now = 0;
  for (int i = 0; i < 5; ++i) b.Record(now += 10, CallResult::kFailure);
  ASSERT_EQ(b.state(), BreakerState::kOpen);
  b.Hold(true);
  now += 2000;  // cool-down (1 s) over
  EXPECT_TRUE(b.AwaitsTurn(now));
  EXPECT_FALSE(b.WouldAllow(now));
  BreakerTransition t;
  EXPECT_FALSE(b.Allow(now, &t));
  EXPECT_FALSE(t.happened);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  b.Hold(false);  // this host's turn
  EXPECT_FALSE(b.AwaitsTurn(now));
  EXPECT_TRUE(b.Allow(now, &t));
  EXPECT_EQ(t.to, BreakerState::kHalfOpen);
}

TEST(Breaker, OpenedByAnotherHostKeepsTheLaterTimeAndTheLongerCoolDown) {
  Breaker b(Params(), 1);
  BreakerTransition t = b.OpenUntil(100, 3100, 4000, "host a (fleet): 5 consecutive failures");
  ASSERT_TRUE(t.happened);
  EXPECT_EQ(t.from, BreakerState::kClosed);
  EXPECT_EQ(t.to, BreakerState::kOpen);
  EXPECT_EQ(t.open_until_ms, 3100);
  EXPECT_EQ(t.reason, "host a (fleet): 5 consecutive failures");
  EXPECT_EQ(b.cooldown_ms(), 4000);
  // Already open: an earlier time changes nothing; a later one extends it, open to open.
  EXPECT_FALSE(b.OpenUntil(200, 2000, 1000, "x").happened);
  EXPECT_EQ(b.open_until_ms(), 3100);
  t = b.OpenUntil(200, 5000, 1000, "host b (fleet): probe failed");
  ASSERT_TRUE(t.happened);
  EXPECT_EQ(t.from, BreakerState::kOpen);
  EXPECT_EQ(t.to, BreakerState::kOpen);
  EXPECT_EQ(t.open_until_ms, 5000);
  EXPECT_EQ(b.open_until_ms(), 5000);
  EXPECT_EQ(b.cooldown_ms(), 4000);
  // Its own failed probe then doubles the cool-down it was given.
  ASSERT_TRUE(b.Allow(5000, nullptr));
  t = b.Record(5010, CallResult::kFailure);
  EXPECT_EQ(t.open_until_ms, 5010 + 8000);
}

}  // namespace
}  // namespace switchyard
