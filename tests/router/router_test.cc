#include "router/router.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_http_client.h"
#include "fakes/fake_timers.h"
#include "fakes/memory_store.h"
#include "router/two_tier_config.h"

namespace switchyard {
namespace {

constexpr const char* kOpenAIOk =
    R"({"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":1000000,"completion_tokens":1000000}})";

CompleteRequest Hello() {
  CompleteRequest req;
  req.route = "chat";
  req.messages = {{"user", "hello"}};
  req.max_tokens = 500;
  return req;
}

HttpResponse Status(int64_t status, std::string body, std::string retry_after = "") {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.retry_after = std::move(retry_after);
  return r;
}

HttpResponse ConnectFailed() {
  HttpResponse r;
  r.error = TransportError::kConnect;
  r.error_message = "Couldn't connect to server";
  return r;
}

class RouterTest : public ::testing::Test {
 protected:
  explicit RouterTest(std::shared_ptr<const Config> cfg = TwoTierConfig())
      : timers_(&clock_), router_(std::move(cfg), Context()) {}

  RouterContext Context() {
    RouterContext ctx;
    ctx.http = &http_;
    ctx.timers = &timers_;
    ctx.clock = &clock_;
    ctx.policy = &policy_;
    ctx.store = &store_;
    ctx.first_request_id = 41;
    return ctx;
  }

  int64_t Send(CompleteRequest req, ClientId client = 0) {
    return router_.Complete(
        std::move(req), [this](RouteResponse&& r) { responses_.push_back(std::move(r)); }, nullptr,
        RequestOrigin{client, client});
  }

  FakeClock clock_;
  FakeTimers timers_;
  FakeHttpClient http_;
  TimeoutPolicy policy_;
  MemoryStore store_;
  std::vector<RouteResponse> responses_;  // before router_: its destructor answers into it
  Router router_;
};

TEST_F(RouterTest, ServerErrorFallsToNextTier) {
  Send(Hello());
  ASSERT_EQ(http_.open(), 1u);
  EXPECT_NE(http_.OldestOpenRequest().body.find("\"big-id\""), std::string::npos);
  http_.Reply(500, R"({"error":{"message":"boom","type":"server_error"}})");
  ASSERT_EQ(http_.open(), 1u);
  EXPECT_NE(http_.OldestOpenRequest().body.find("\"small-id\""), std::string::npos);
  http_.Reply(200, kOpenAIOk);
  ASSERT_EQ(responses_.size(), 1u);
  const RouteResponse& r = responses_[0];
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result.model, "small");
  ASSERT_EQ(r.result.attempts.size(), 2u);
  EXPECT_EQ(r.result.attempts[0].outcome, "server_error");
  EXPECT_EQ(r.result.attempts[0].http_status, 500);
  EXPECT_EQ(r.result.attempts[1].outcome, "ok");
  EXPECT_DOUBLE_EQ(r.result.cost_usd, 3.0);  // 1M in at $1 + 1M out at $2
  EXPECT_EQ(timers_.pending(), 0u);
  EXPECT_EQ(router_.in_flight(), 0u);
}

TEST_F(RouterTest, MaxTokensClampedToModelLimit) {
  Send(Hello());
  EXPECT_NE(http_.OldestOpenRequest().body.find("\"max_completion_tokens\":100"),
            std::string::npos);
}

TEST_F(RouterTest, TimeoutCutsTheAttemptOffAtRouteTimeoutAndFallsBack) {
  Send(Hello());
  timers_.Advance(2999);
  EXPECT_EQ(http_.started(), 1u);
  timers_.Advance(1);
  // The request moved on; the cut-off call runs on, nobody waiting, to learn its latency.
  EXPECT_EQ(http_.started(), 2u);
  EXPECT_EQ(router_.tails_in_flight(), 1u);
  http_.ReplyFor("small-id", Status(200, kOpenAIOk));
  ASSERT_EQ(responses_.size(), 1u);
  ASSERT_TRUE(responses_[0].ok);
  EXPECT_EQ(responses_[0].result.attempts[0].outcome, "timeout");
  EXPECT_EQ(responses_[0].result.attempts[0].latency_ms, 3000);
  EXPECT_EQ(responses_[0].result.attempts[0].reason,
            "no answer within 3000 ms; kept running to learn its latency");
  EXPECT_EQ(responses_[0].result.latency_ms, 3000);
  // It answers late: a true sample, and a row nobody waited on, its cost counted.
  timers_.Advance(500);
  http_.ReplyFor("big-id", Status(200, kOpenAIOk));
  EXPECT_EQ(router_.tails_in_flight(), 0u);
  EXPECT_EQ(http_.open(), 0u);
  EXPECT_EQ(timers_.pending(), 0u);
  std::vector<TimeoutPolicy::KeyStats> stats = policy_.Stats(clock_.NowMs());
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].model, "big");
  EXPECT_EQ(stats[0].samples, 1u);
  EXPECT_EQ(stats[0].censored, 0u);
  EXPECT_NEAR(stats[0].p95_ms, 3500, 3500 * 0.015);
  ASSERT_EQ(store_.probes.size(), 1u);
  EXPECT_EQ(store_.probes[0].request_id, 41);
  EXPECT_TRUE(store_.probes[0].attempt.probe);
  EXPECT_EQ(store_.probes[0].attempt.outcome, "ok");
  EXPECT_EQ(store_.probes[0].attempt.latency_ms, 3500);
  EXPECT_DOUBLE_EQ(store_.probes[0].attempt.cost_usd, 3.0);
}

TEST_F(RouterTest, ACutOffCallKeptRunningThatNeverAnswersIsCensoredAtTheTimeItRan) {
  Send(Hello());
  timers_.Advance(3000);
  http_.ReplyFor("small-id", Status(200, kOpenAIOk));
  ASSERT_EQ(router_.tails_in_flight(), 1u);
  timers_.Advance(7000);  // the ceiling (10 s from its start)
  EXPECT_EQ(router_.tails_in_flight(), 0u);
  EXPECT_EQ(http_.cancelled(), 1);
  EXPECT_EQ(http_.open(), 0u);
  std::vector<TimeoutPolicy::KeyStats> stats = policy_.Stats(clock_.NowMs());
  ASSERT_EQ(stats[0].model, "big");
  EXPECT_EQ(stats[0].censored, 1u);
  EXPECT_NEAR(stats[0].p95_ms, 10000, 10000 * 0.015);
  ASSERT_EQ(store_.probes.size(), 1u);
  EXPECT_EQ(store_.probes[0].attempt.outcome, "timeout");
}

TEST_F(RouterTest, CutOffCallsAreKeptRunningOnlyWithinTheirBudget) {
  // 3 per 10 s at least (min_retries), and 5% of the route's requests: of 4 cut off at
  // once, the 4th is cancelled.
  for (int i = 0; i < 4; ++i) Send(Hello());
  timers_.Advance(3000);
  EXPECT_EQ(router_.tails_in_flight(), 3u);
  EXPECT_EQ(http_.cancelled(), 1);
  EXPECT_EQ(http_.started(), 8u);
}

TEST_F(RouterTest, ClientErrorIsReturnedWithoutTryingOtherTiers) {
  Send(Hello());
  http_.Reply(
      401,
      R"({"error":{"message":"Incorrect API key provided: sk-secret.","type":"invalid_request_error","code":"invalid_api_key"}})");
  EXPECT_EQ(http_.started(), 1u);
  ASSERT_EQ(responses_.size(), 1u);
  EXPECT_FALSE(responses_[0].ok);
  EXPECT_EQ(responses_[0].error.code, "request_rejected");
  EXPECT_EQ(responses_[0].error.http_status, 401);
  ASSERT_EQ(responses_[0].error.attempts.size(), 1u);
}

TEST_F(RouterTest, AllTiersFailingListsEveryAttempt) {
  Send(Hello());
  http_.Reply(429, R"({"error":{"message":"slow down"}})");
  HttpResponse reset;
  reset.error = TransportError::kOther;
  reset.error_message = "Connection reset by peer";
  http_.ReplyWith(reset);
  ASSERT_EQ(responses_.size(), 1u);
  EXPECT_EQ(responses_[0].error.code, "all_models_failed");
  ASSERT_EQ(responses_[0].error.attempts.size(), 2u);
  EXPECT_EQ(responses_[0].error.attempts[0].outcome, "rate_limited");
  EXPECT_EQ(responses_[0].error.attempts[1].outcome, "transport_error");
}

TEST_F(RouterTest, DeadlineCapsTheAttemptTimeout) {
  CompleteRequest req = Hello();
  req.deadline_ms = 1200;
  Send(req);
  timers_.Advance(1200);
  ASSERT_EQ(responses_.size(), 1u);
  EXPECT_EQ(responses_[0].error.code, "deadline_exceeded");
  EXPECT_EQ(http_.started(), 1u);  // no time was left for the second tier
}

TEST_F(RouterTest, UnknownRouteIsRefusedAtOnceAndQuotedPrintably) {
  CompleteRequest req = Hello();
  req.route = "no\npe";
  Send(req);
  ASSERT_EQ(responses_.size(), 1u);
  EXPECT_EQ(responses_[0].error.code, "no_route");
  EXPECT_EQ(responses_[0].error.message, "no route named 'no\\x0ape'");
  EXPECT_EQ(http_.started(), 0u);
}

TEST_F(RouterTest, HistoryGetsEveryAttemptOfEveryRequest) {
  Send(Hello());
  timers_.Advance(3000);  // big times out
  http_.ReplyFor("small-id", Status(200, kOpenAIOk));
  http_.ReplyFor("big-id", Status(500, "{}"));  // the cut-off call, kept running, fails
  Send(Hello());
  http_.Reply(401, R"({"error":{"message":"no"}})");
  ASSERT_EQ(store_.requests.size(), 2u);
  const RequestRecord& r = store_.requests[0];
  EXPECT_EQ(r.id, 41);
  EXPECT_EQ(r.route, "chat");
  EXPECT_EQ(r.task, "default");
  EXPECT_EQ(r.outcome, "ok");
  EXPECT_EQ(r.served_by, "small");
  EXPECT_EQ(r.latency_ms, 3000);
  EXPECT_DOUBLE_EQ(r.cost_usd, 3.0);
  ASSERT_EQ(r.attempts.size(), 2u);
  EXPECT_EQ(r.attempts[0].outcome, "timeout");
  EXPECT_EQ(r.attempts[0].timeout_ms, 3000);
  EXPECT_EQ(r.attempts[1].outcome, "ok");
  EXPECT_EQ(r.attempts[1].ts_ms, r.ts_ms + 3000);
  EXPECT_EQ(store_.requests[1].id, 42);
  EXPECT_EQ(store_.requests[1].outcome, "request_rejected");
  EXPECT_TRUE(store_.requests[1].served_by.empty());
}

TEST_F(RouterTest, LearnedTimeoutReplacesTheDefault) {
  // 20 answers at 400 ms: P95 400 ms (within a bucket), so the next attempt gets ~400 ms
  // instead of the 3000 ms default.
  for (int i = 0; i < 20; ++i) {
    Send(Hello());
    timers_.Advance(400);
    http_.Reply(200, kOpenAIOk);
  }
  Send(Hello());
  timers_.Advance(390);
  EXPECT_EQ(http_.started(), 21u);
  timers_.Advance(30);
  EXPECT_EQ(http_.started(), 22u);  // cut off: the next tier
}

TEST_F(RouterTest, AbortAllAnswersEveryRequestOnce) {
  Send(Hello());
  Send(Hello());
  router_.AbortAll("shutting_down", "bye");
  ASSERT_EQ(responses_.size(), 2u);
  EXPECT_EQ(responses_[0].error.code, "shutting_down");
  EXPECT_EQ(http_.open(), 0u);
  EXPECT_EQ(timers_.pending(), 0u);
}

TEST_F(RouterTest, OpenBreakerSkipsTheModelWithoutCallingIt) {
  for (int i = 0; i < 5; ++i) {
    Send(Hello());
    http_.ReplyFor("big-id", Status(503, "{}"));
    http_.ReplyFor("small-id", Status(200, kOpenAIOk));
  }
  ASSERT_EQ(store_.transitions.size(), 1u);
  EXPECT_EQ(store_.transitions[0].model, "big");
  EXPECT_EQ(store_.transitions[0].from_state, "closed");
  EXPECT_EQ(store_.transitions[0].to_state, "open");
  EXPECT_EQ(store_.transitions[0].reason, "5 consecutive failures");
  EXPECT_EQ(store_.transitions[0].open_until_ms, clock_.WallMs() + 5000);

  Send(Hello());
  EXPECT_EQ(http_.StartedFor("big-id"), 5);  // no call
  http_.ReplyFor("small-id", Status(200, kOpenAIOk));
  const RouteResponse& r = responses_.back();
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.result.attempts.size(), 2u);
  EXPECT_EQ(r.result.attempts[0].outcome, "breaker_open");
  EXPECT_EQ(r.result.attempts[0].latency_ms, 0);
  EXPECT_EQ(r.result.latency_ms, 0);  // no timeout paid
  EXPECT_EQ(store_.requests.back().fallbacks.size(), 1u);
  EXPECT_EQ(store_.requests.back().fallbacks[0].reason, "breaker_open");

  // After the cool-down one probe goes to big; it succeeds and the breaker closes.
  timers_.Advance(5000);
  Send(Hello());
  EXPECT_EQ(http_.StartedFor("big-id"), 6);
  Send(Hello());  // while the probe is out, others still skip big
  EXPECT_EQ(http_.StartedFor("big-id"), 6);
  http_.ReplyFor("big-id", Status(200, kOpenAIOk));
  http_.ReplyFor("small-id", Status(200, kOpenAIOk));
  ASSERT_EQ(store_.transitions.size(), 3u);
  EXPECT_EQ(store_.transitions[1].to_state, "half_open");
  EXPECT_EQ(store_.transitions[2].to_state, "closed");
  Send(Hello());
  EXPECT_EQ(http_.StartedFor("big-id"), 7);
}

class HedgeTest : public RouterTest {
 protected:
  HedgeTest() : RouterTest(TwoTierConfig(SoftTimeout::kHedge)) {}
};

TEST_F(HedgeTest, SlowPrimaryStillWinsAndTheHedgeIsCancelled) {
  Send(Hello());
  timers_.Advance(3000);  // soft timeout: small starts, big is kept
  EXPECT_EQ(http_.open(), 2u);
  timers_.Advance(1500);  // big answers at 1.5x
  http_.ReplyFor("big-id", Status(200, kOpenAIOk));
  ASSERT_EQ(responses_.size(), 1u);
  const RouteResponse& r = responses_[0];
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result.model, "big");
  EXPECT_EQ(r.result.latency_ms, 4500);
  EXPECT_EQ(http_.cancelled(), 1);
  EXPECT_EQ(http_.open(), 0u);
  ASSERT_EQ(r.result.attempts.size(), 2u);
  EXPECT_EQ(r.result.attempts[0].outcome, "ok");
  EXPECT_EQ(r.result.attempts[1].outcome, "cancelled");
  EXPECT_EQ(r.result.attempts[1].latency_ms, 1500);
  // The losing hedge's prompt is billed: its cost is counted.
  EXPECT_GT(r.result.attempts[1].cost_usd, 0);
  EXPECT_DOUBLE_EQ(r.result.cost_usd, 3.0 + r.result.attempts[1].cost_usd);
  ASSERT_EQ(store_.requests[0].fallbacks.size(), 1u);
  EXPECT_EQ(store_.requests[0].fallbacks[0].reason, "hedge");
  EXPECT_EQ(timers_.pending(), 0u);
}

TEST_F(HedgeTest, HangingPrimaryLosesToTheFallback) {
  Send(Hello());
  timers_.Advance(3000);
  timers_.Advance(200);
  http_.ReplyFor("small-id", Status(200, kOpenAIOk));
  ASSERT_EQ(responses_.size(), 1u);
  const RouteResponse& r = responses_[0];
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.result.model, "small");
  EXPECT_EQ(r.result.latency_ms, 3200);
  EXPECT_EQ(r.result.attempts[0].outcome, "timeout");  // cut off once the hedge won
  EXPECT_EQ(http_.cancelled(), 1);
}

TEST_F(HedgeTest, HardTimeoutEndsTheKeptCall) {
  Send(Hello());
  timers_.Advance(3000);
  http_.ReplyFor("small-id", Status(500, "{}"));  // the hedge fails; big is still kept
  EXPECT_EQ(responses_.size(), 0u);
  timers_.Advance(6999);
  EXPECT_EQ(responses_.size(), 0u);
  timers_.Advance(1);  // 10 s ceiling
  ASSERT_EQ(responses_.size(), 1u);
  EXPECT_EQ(responses_[0].error.code, "all_models_failed");
  EXPECT_EQ(responses_[0].error.attempts[0].reason, "no answer within 10000 ms (hard timeout)");
}

TEST_F(RouterTest, ConnectionRefusedIsRetriedOnceOnTheSameModel) {
  Send(Hello());
  http_.ReplyFor("big-id", ConnectFailed());
  EXPECT_EQ(http_.StartedFor("big-id"), 2);  // retried at once
  http_.ReplyFor("big-id", ConnectFailed());
  EXPECT_EQ(http_.StartedFor("big-id"), 2);  // only once
  http_.ReplyFor("small-id", Status(200, kOpenAIOk));
  ASSERT_TRUE(responses_[0].ok);
  ASSERT_EQ(responses_[0].result.attempts.size(), 3u);
  EXPECT_EQ(responses_[0].result.attempts[0].outcome, "connect_error");
  EXPECT_EQ(responses_[0].result.attempts[1].model, "big");
  EXPECT_EQ(store_.requests[0].fallbacks.size(), 1u);  // the retry is not a fallback
}

TEST_F(RouterTest, ShortRetryAfterIsWaitedOutThenRetried) {
  Send(Hello());
  http_.ReplyFor("big-id", Status(429, R"({"error":{"message":"slow down"}})", "0.5"));
  EXPECT_EQ(http_.open(), 0u);  // waiting, not hammering
  timers_.Advance(499);
  EXPECT_EQ(http_.StartedFor("big-id"), 1);
  timers_.Advance(1);
  EXPECT_EQ(http_.StartedFor("big-id"), 2);  // the half-open probe is this retry
  http_.ReplyFor("big-id", Status(200, kOpenAIOk));
  ASSERT_TRUE(responses_[0].ok);
  EXPECT_EQ(responses_[0].result.model, "big");
  EXPECT_EQ(responses_[0].result.attempts[1].reason, "retry");
}

TEST_F(RouterTest, LongRetryAfterMovesOnAndKeepsTheBreakerOpenThatLong) {
  Send(Hello());
  http_.ReplyFor("big-id", Status(429, R"({"error":{"message":"slow down"}})", "30"));
  EXPECT_EQ(http_.StartedFor("small-id"), 1);
  http_.ReplyFor("small-id", Status(200, kOpenAIOk));
  ASSERT_EQ(store_.transitions.size(), 1u);
  EXPECT_EQ(store_.transitions[0].open_until_ms, clock_.WallMs() + 30000);
  timers_.Advance(29000);
  Send(Hello());
  EXPECT_EQ(http_.StartedFor("big-id"), 1);  // still open after the 5 s cool-down
}

TEST_F(RouterTest, RetryBudgetHoldsUnderABurstOfFailures) {
  // 100 requests whose every connection is refused. Without a budget that is 200 calls to
  // big; with 20% of recent requests (at least 3) there are at most 20 retries.
  for (int i = 0; i < 100; ++i) Send(Hello());
  while (http_.open() > 0) {
    if (http_.OldestOpenRequest().body.find("big-id") != std::string::npos) {
      http_.ReplyWith(ConnectFailed());
    } else {
      http_.ReplyWith(Status(200, kOpenAIOk));
    }
  }
  EXPECT_EQ(responses_.size(), 100u);
  int big_calls = http_.StartedFor("big-id");
  EXPECT_LE(big_calls, 100 + 20);
  EXPECT_GE(big_calls, 100 + 3);
}

class OverloadTest : public RouterTest {
 protected:
  OverloadTest() : RouterTest(TwoTierConfig(SoftTimeout::kCutover, 1)) {}
};

TEST_F(OverloadTest, FullProviderIsSkippedAsOverloaded) {
  Send(Hello());  // takes the provider's one slot
  Send(Hello());
  ASSERT_EQ(responses_.size(), 1u);
  // No model failed: the daemon had no room, and says so.
  EXPECT_EQ(responses_[0].error.code, "overloaded");
  ASSERT_EQ(responses_[0].error.attempts.size(), 2u);
  EXPECT_EQ(responses_[0].error.attempts[0].outcome, "overloaded");
  EXPECT_EQ(responses_[0].error.attempts[1].outcome, "overloaded");
  EXPECT_EQ(http_.started(), 1u);
}

std::shared_ptr<const Config> SharedConfig(int64_t max_in_flight, int64_t per_client) {
  auto cfg = std::const_pointer_cast<Config>(TwoTierConfig(SoftTimeout::kCutover, max_in_flight));
  cfg->routes["chat"].tiers = {"big"};
  cfg->daemon.max_in_flight_per_client = per_client;
  return cfg;
}

class SharedProviderTest : public RouterTest {
 protected:
  SharedProviderTest() : RouterTest(SharedConfig(16, 0)) {}
};

// One client pipelines more than the provider holds: it gets its share, its excess is refused
// naming its share, and another client's requests still go through.
TEST_F(SharedProviderTest, AFlooderGetsItsShareAndAnotherClientIsStillServed) {
  for (int i = 0; i < 20; ++i) Send(Hello(), 1);
  EXPECT_EQ(http_.started(), 14u);  // 7/8 of 16
  ASSERT_EQ(responses_.size(), 6u);
  for (const RouteResponse& r : responses_) {
    EXPECT_EQ(r.error.code, "overloaded");
    EXPECT_NE(r.error.message.find("this client's share of openai is taken: it holds 14"),
              std::string::npos)
        << r.error.message;
  }
  Send(Hello(), 2);
  Send(Hello(), 2);
  EXPECT_EQ(http_.started(), 16u);
  EXPECT_EQ(responses_.size(), 6u);
}

class PerClientCapTest : public RouterTest {
 protected:
  PerClientCapTest() : RouterTest(SharedConfig(1024, 3)) {}
};

TEST_F(PerClientCapTest, AClientPastMaxInFlightPerClientIsRefusedAtOnce) {
  for (int i = 0; i < 3; ++i) EXPECT_GT(Send(Hello(), 7), 0);
  EXPECT_EQ(Send(Hello(), 7), 0);
  ASSERT_EQ(responses_.size(), 1u);
  EXPECT_EQ(responses_[0].error.code, "overloaded");
  EXPECT_NE(responses_[0].error.message.find("max_in_flight_per_client"), std::string::npos);
  EXPECT_GT(Send(Hello(), 8), 0);  // another client is not held to the first one's count
  EXPECT_EQ(http_.started(), 4u);
  http_.Reply(200, kOpenAIOk);  // one of client 7's ends: it may send again
  EXPECT_GT(Send(Hello(), 7), 0);
  EXPECT_EQ(http_.started(), 5u);
}

// A client that hangs up: its calls are cancelled at once and the history says why.
TEST_F(RouterTest, AnAbandonedRequestCancelsItsCallsAndIsRecordedAsCancelled) {
  int64_t id = Send(Hello(), 3);
  ASSERT_EQ(http_.open(), 1u);
  router_.Abandon(id, "client went away");
  EXPECT_EQ(http_.open(), 0u);
  EXPECT_EQ(http_.cancelled(), 1);
  EXPECT_EQ(router_.in_flight(), 0u);
  ASSERT_EQ(store_.requests.size(), 1u);
  EXPECT_EQ(store_.requests[0].outcome, "cancelled");
  EXPECT_EQ(store_.requests[0].error, "client went away");
  ASSERT_EQ(store_.requests[0].attempts.size(), 1u);
  EXPECT_EQ(store_.requests[0].attempts[0].outcome, "cancelled");
  EXPECT_EQ(store_.requests[0].attempts[0].reason.rfind("client went away", 0), 0u);
  EXPECT_EQ(timers_.pending(), 0u);
  router_.Abandon(id, "client went away");  // gone already: nothing happens
  EXPECT_EQ(store_.requests.size(), 1u);
}

TEST_F(RouterTest, AClosedConnectionsRequestsAreAbandonedAndNoOthers) {
  router_.Complete(
      Hello(), [this](RouteResponse&& r) { responses_.push_back(std::move(r)); }, nullptr,
      RequestOrigin{7, 70});
  router_.Complete(
      Hello(), [this](RouteResponse&& r) { responses_.push_back(std::move(r)); }, nullptr,
      RequestOrigin{7, 70});
  router_.Complete(
      Hello(), [this](RouteResponse&& r) { responses_.push_back(std::move(r)); }, nullptr,
      RequestOrigin{7, 71});  // the same process, another connection
  router_.AbandonFrom(70, "client went away");
  EXPECT_EQ(http_.cancelled(), 2);
  EXPECT_EQ(router_.in_flight(), 1u);
  ASSERT_EQ(responses_.size(), 2u);
  EXPECT_EQ(responses_[0].error.code, "cancelled");
}

TEST_F(RouterTest, RestoredBreakerStaysOpenForTheRestOfItsCooldown) {
  router_.RestoreBreaker("big", clock_.WallMs() + 2000, 4000);
  Send(Hello());
  EXPECT_EQ(http_.StartedFor("big-id"), 0);
  http_.ReplyFor("small-id", Status(200, kOpenAIOk));
  timers_.Advance(2000);
  Send(Hello());
  EXPECT_EQ(http_.StartedFor("big-id"), 1);
}

}  // namespace
}  // namespace switchyard
