#include "router/model_health.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

BreakerParams Params() {
  BreakerParams p;
  p.jitter = 0;  // exact cool-downs
  p.cooldown_ms = 5000;
  p.consecutive_failures = 5;
  p.min_calls = 10;
  return p;
}

// Runs one admitted call to its end at `now`.
BreakerTransition Call(ModelHealth& h, int64_t now, Outcome o, bool past_soft = false,
                       int64_t retry_after_ms = -1) {
  BreakerTransition moved;
  EXPECT_TRUE(h.Admit(now, &moved));
  h.Started();
  return h.Ended(now, o, past_soft, retry_after_ms);
}

TEST(ModelHealth, AFailureRunOpensAndTheCoolDownHalfOpensOnTime) {
  ModelHealth h(Params(), 1);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(Call(h, 1000, Outcome::kServerError).happened);
  BreakerTransition t = Call(h, 1000, Outcome::kServerError);
  ASSERT_TRUE(t.happened);
  EXPECT_EQ(t.to, BreakerState::kOpen);
  BreakerTransition moved;
  EXPECT_FALSE(h.Admit(5999, &moved));
  EXPECT_EQ(h.Refusal(5999), "breaker open; half-opens in 1 ms");
  EXPECT_TRUE(h.Admit(6000, &moved));  // time passed in: the cool-down is over
  EXPECT_EQ(moved.to, BreakerState::kHalfOpen);
  h.Started();
  EXPECT_EQ(h.Ended(6000, Outcome::kOk, false).to, BreakerState::kClosed);
}

// The request's own fault and a prompt too long for the model say nothing of its health.
TEST(ModelHealth, OutcomesThatAreNotTheModelsFaultNeverOpenIt) {
  ModelHealth h(Params(), 1);
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(Call(h, 1000 + i, Outcome::kClientError).happened);
    EXPECT_FALSE(Call(h, 1000 + i, Outcome::kContextOverflow).happened);
  }
  EXPECT_EQ(h.breaker().state(), BreakerState::kClosed);
  EXPECT_EQ(h.breaker().calls(2000), 0);  // not even counted
}

TEST(ModelHealth, ALateAnswerIsSlowAndAnAbandonedCallCountsOnlyIfItHadOverrun) {
  ModelHealth h(Params(), 1);
  Call(h, 1000, Outcome::kOk, /*past_soft=*/true);
  EXPECT_DOUBLE_EQ(h.breaker().slow_rate(1000), 1.0);
  BreakerTransition moved;
  ASSERT_TRUE(h.Admit(1000, &moved));
  h.Started();
  EXPECT_EQ(h.in_flight(), 1);
  h.Abandoned(1000, /*past_soft=*/false);  // lost a race in time: says nothing
  EXPECT_EQ(h.in_flight(), 0);
  EXPECT_EQ(h.breaker().calls(1000), 1);
  ASSERT_TRUE(h.Admit(1000, &moved));
  h.Started();
  h.Abandoned(1000, /*past_soft=*/true);  // had overrun its timeout: slow
  EXPECT_EQ(h.breaker().calls(1000), 2);
}

TEST(ModelHealth, ARateLimitWithRetryAfterOpensAtLeastThatLong) {
  ModelHealth h(Params(), 1);
  BreakerTransition t = Call(h, 1000, Outcome::kRateLimited, false, 30000);
  ASSERT_TRUE(t.happened);
  EXPECT_EQ(t.open_until_ms, 31000);
  BreakerTransition moved;
  EXPECT_FALSE(h.Admit(30999, &moved));
  EXPECT_TRUE(h.Admit(31000, &moved));
}

}  // namespace
}  // namespace switchyard
