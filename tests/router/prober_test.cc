// A half-open breaker's probes, alone: what each end does to the breaker, the learned
// latency, the spend and the history.
#include "router/prober.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_http_client.h"
#include "fakes/fake_timers.h"
#include "fakes/memory_store.h"
#include "router/two_tier_config.h"

namespace switchyard {
namespace {

constexpr const char* kAnswer =
    R"({"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":1000,"completion_tokens":500}})";

class ProberTest : public ::testing::Test {
 protected:
  ProberTest() {
    cfg_ = TwoTierConfig();
    gen_ = std::make_shared<Generation>();
    gen_->config = cfg_;
    gen_->providers["openai"] = MakeOpenAIProvider({cfg_->providers.at("openai").base_url, ""});
    for (const auto& [name, m] : cfg_->models) {
      ModelRuntime& rt = gen_->models[name];
      rt.config = &m;
      rt.provider_config = &cfg_->providers.at("openai");
      rt.provider = gen_->providers.at("openai").get();
      BreakerParams b;
      b.jitter = 0;
      b.cooldown_ms = 5000;
      rt.health = std::make_shared<ModelHealth>(b, 1);
    }
    // Big has been healthy at 600 ms: its timeout is 600.
    for (int i = 0; i < 30; ++i)
      policy_.Record("big", "default", clock_.NowMs(), 600, false, kWindow);
    EXPECT_NEAR(policy_.TimeoutFor("big", "default", clock_.NowMs(), Params()).ms, 600, 10);
    prober_ = std::make_unique<Prober>(
        Prober::Deps{&clock_, &timers_, &http_, &policy_, &first_token_, &spend_, &store_,
                     [this](const std::string& model, const BreakerTransition& t) {
                       if (t.happened) moves_.push_back(model + ": " + BreakerStateName(t.to));
                     }});
  }

  ModelHealth& big() { return *gen_->models.at("big").health; }

  // Opens big's breaker and lets its cool-down pass; then admits the probe as the walk does.
  void HalfOpenAndProbe() {
    if (big().breaker().state() == BreakerState::kClosed) {
      for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(big().Admit(clock_.NowMs(), nullptr));
        big().Started();
        big().Ended(clock_.NowMs(), Outcome::kServerError, false);
      }
    }
    ASSERT_EQ(big().breaker().state(), BreakerState::kOpen);
    timers_.Advance(big().breaker().open_until_ms() - clock_.NowMs());
    BreakerTransition t;
    ASSERT_TRUE(big().Admit(clock_.NowMs(), &t));
    Prober::Request r;
    r.gen = gen_;
    r.route = &cfg_->routes.at("chat");
    r.model = "big";
    r.req.route = "chat";
    r.req.messages = {{"user", "hello"}};
    r.req.max_tokens = 50;
    r.req.stream = true;  // the copy is sent whole all the same
    r.prompt.tokens_after = 10;
    r.request_id = 42;
    // As the walk asks: with the breaker not closed, the timeout it had while healthy.
    r.healthy_timeout_ms = policy_.TimeoutFor("big", "default", clock_.NowMs(), Params(), false).ms;
    healthy_ = r.healthy_timeout_ms;
    prober_->Start(std::move(r));
  }

  void Answer(int64_t after_ms) {
    timers_.Advance(after_ms);
    HttpResponse resp;
    resp.status = 200;
    resp.body = kAnswer;
    http_.ReplyFor("big-id", resp);
  }

  static TimeoutParams Params() {
    TimeoutParams p;
    p.window_ms = kWindow;
    return p;
  }

  static constexpr int64_t kWindow = 900000;
  FakeClock clock_;
  FakeTimers timers_{&clock_};
  FakeHttpClient http_;
  TimeoutPolicy policy_, first_token_;
  DailySpend spend_;
  MemoryStore store_;
  std::shared_ptr<const Config> cfg_;
  std::shared_ptr<Generation> gen_;
  std::vector<std::string> moves_;
  int64_t healthy_ = 0;
  std::unique_ptr<Prober> prober_;
};

TEST_F(ProberTest, AnAnswerWithinTheHealthyTimeoutClosesTheBreakerAndIsKept) {
  HalfOpenAndProbe();
  ASSERT_EQ(http_.started(), 1u);
  EXPECT_EQ(http_.OldestOpenRequest().timeout_ms, 10000);  // the route's ceiling
  EXPECT_EQ(http_.BodyFor("big-id").find("\"stream\":true"), std::string::npos);
  Answer(550);
  EXPECT_EQ(big().breaker().state(), BreakerState::kClosed);
  EXPECT_EQ(prober_->in_flight(), 0u);
  EXPECT_EQ(big().in_flight(), 0);
  ASSERT_EQ(store_.probes.size(), 1u);
  const MemoryStore::Probe& p = store_.probes[0];
  EXPECT_EQ(p.request_id, 42);
  EXPECT_EQ(p.route, "chat");
  EXPECT_TRUE(p.attempt.probe);
  EXPECT_EQ(p.attempt.outcome, "ok");
  EXPECT_EQ(p.attempt.latency_ms, 550);
  // 1000 in at $1/M and 500 out at $2/M: counted to the route's spend.
  EXPECT_DOUBLE_EQ(p.attempt.cost_usd, 0.002);
  EXPECT_DOUBLE_EQ(spend_.Spent("chat", clock_.WallMs()), 0.002);
  auto stats = policy_.Stats(clock_.NowMs());
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].samples, 31u);
  EXPECT_EQ(stats[0].censored, 0u);
}

// No answer within the healthy timeout is the verdict: the breaker re-opens then, not at the
// ceiling, and the probe runs on to learn how slow the model is.
TEST_F(ProberTest, NoAnswerWithinTheHealthyTimeoutReopensThenAndTheProbeRunsOn) {
  HalfOpenAndProbe();
  timers_.Advance(healthy_ - 1);
  EXPECT_EQ(big().breaker().state(), BreakerState::kHalfOpen);
  timers_.Advance(1);
  EXPECT_EQ(big().breaker().state(), BreakerState::kOpen);
  EXPECT_EQ(big().breaker().open_until_ms(), clock_.NowMs() + 10000);  // the longer cool-down
  EXPECT_EQ(prober_->in_flight(), 1u);
  EXPECT_EQ(big().in_flight(), 0);
  timers_.Advance(10000 - healthy_);
  HttpResponse timeout;
  timeout.error = TransportError::kTimeout;
  timeout.error_message = "timed out";
  http_.ReplyFor("big-id", timeout);
  EXPECT_EQ(big().breaker().state(), BreakerState::kOpen);
  EXPECT_EQ(big().breaker().cooldown_ms(), 10000);
  ASSERT_EQ(store_.probes.size(), 1u);
  EXPECT_EQ(store_.probes[0].attempt.outcome, "timeout");
  EXPECT_GT(store_.probes[0].attempt.cost_usd, 0);  // the prompt was billed
  // No latency sample: a probe's cut-off says the model is sick, not how slow it is.
  EXPECT_EQ(policy_.Stats(clock_.NowMs())[0].samples, 30u);
}

// 600 ms before, 1.5 s now and for good: each probe answers correctly but slowly. The third
// in a row makes the model re-learn from them, and its breaker closes.
TEST_F(ProberTest, ThreeCorrectButSlowProbesInARowRelearnAndClose) {
  for (int i = 0; i < 2; ++i) {
    HalfOpenAndProbe();
    Answer(1500);
    EXPECT_EQ(big().breaker().state(), BreakerState::kOpen) << "probe " << i;
    EXPECT_EQ(store_.probes.back().attempt.outcome, "ok");
  }
  EXPECT_NEAR(policy_.TimeoutFor("big", "default", clock_.NowMs(), Params(), false).ms, 600, 10);
  HalfOpenAndProbe();
  Answer(1500);
  EXPECT_EQ(big().breaker().state(), BreakerState::kClosed);
  auto stats = policy_.Stats(clock_.NowMs());
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].samples, 3u);  // the probes' answers, and nothing from before
  EXPECT_NEAR(stats[0].p50_ms, 1500, 25);
  // Below min_samples: the route's default timeout until traffic teaches it.
  EXPECT_EQ(policy_.TimeoutFor("big", "default", clock_.NowMs(), Params()).ms, 5000);
  EXPECT_EQ(moves_.back(), "big: closed");
}

TEST_F(ProberTest, AFastProbeBetweenSlowOnesStartsTheCountAgain) {
  HalfOpenAndProbe();
  Answer(1500);
  HalfOpenAndProbe();
  Answer(1500);
  HalfOpenAndProbe();
  Answer(500);
  EXPECT_EQ(big().breaker().state(), BreakerState::kClosed);
  // Nothing forgotten: the 30 samples from before and the three probes' true latencies.
  EXPECT_EQ(policy_.Stats(clock_.NowMs())[0].samples, 33u);
  // Two slow ones again are not three in a row.
  for (int i = 0; i < 2; ++i) {
    HalfOpenAndProbe();
    Answer(1500);
  }
  EXPECT_EQ(big().breaker().state(), BreakerState::kOpen);
  EXPECT_EQ(policy_.Stats(clock_.NowMs())[0].samples, 35u);
}

TEST_F(ProberTest, ShutdownCancelsAndGivesTheProbeSlotBack) {
  HalfOpenAndProbe();
  prober_->CancelAll();
  EXPECT_EQ(http_.open(), 0u);
  EXPECT_EQ(big().in_flight(), 0);
  EXPECT_TRUE(big().breaker().WouldAllow(clock_.NowMs()));
  EXPECT_TRUE(store_.probes.empty());
}

}  // namespace
}  // namespace switchyard
