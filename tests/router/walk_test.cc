// A walk alone, in an environment of fakes: what it needs from the router is what WalkEnv
// declares, and nothing else.
#include "router/walk.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"
#include "fakes/fake_http_client.h"
#include "fakes/fake_timers.h"
#include "router/two_tier_config.h"

namespace switchyard {
namespace {

constexpr const char* kAnswer =
    R"({"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],)"
    R"("usage":{"prompt_tokens":10,"completion_tokens":2}})";

class FakeEnv final : public WalkEnv {
 public:
  const Clock& clock() const override { return clock_; }
  Timers& timers() override { return timers_; }
  HttpClient& http() override { return http_; }
  TimeoutPolicy& policy() override { return policy_; }
  TimeoutPolicy& first_token_policy() override { return first_token_; }
  TokenCalibration& calibration() override { return calibration_; }
  RetryBudget& retry_budget() override { return budget_; }
  RetryBudget& extra_load(const std::string&) override { return extra_; }
  void StartProbe(Prober::Request r) override { probes.push_back(std::move(r)); }
  TailWatch& tails() override { return tails_; }
  RetryBudget& tail_budget(const std::string&) override { return tail_budget_; }
  ProviderSlots& slots(const std::string&) override { return slots_; }
  const Redactor* redactor() override { return &redactor_; }
  LogLimiter& log() override { return log_; }
  void BreakerMoved(const std::string& model, const BreakerTransition& t) override {
    if (t.happened) moves.push_back(model);
  }
  Walk* Find(int64_t id) override { return walk && walk->id() == id ? walk.get() : nullptr; }
  void Finished(Walk* w, const RouteResponse& r) override {
    EXPECT_EQ(w, walk.get());
    history.push_back(w->HistoryRecord(r));
    walk.reset();
  }

  FakeClock clock_;
  FakeTimers timers_{&clock_};
  FakeHttpClient http_;
  TimeoutPolicy policy_, first_token_;
  TokenCalibration calibration_;
  RetryBudget budget_{RetryBudgetParams{}};
  RetryBudget extra_{RetryBudgetParams{5, 3, 10000}};
  std::vector<Prober::Request> probes;
  DailySpend spend_;
  // None is kept running after its cutoff unless a test allows it.
  RetryBudget tail_budget_{RetryBudgetParams{0, 0, 10000}};
  TailWatch tails_{{&clock_, &timers_, &http_, &policy_, &spend_, nullptr}};
  ProviderSlots slots_{16};
  Redactor redactor_;
  LogLimiter log_;
  std::unique_ptr<Walk> walk;
  std::vector<std::string> moves;
  std::vector<RequestRecord> history;
};

std::shared_ptr<Generation> TwoModels(std::shared_ptr<const Config>* keep) {
  std::shared_ptr<const Config> cfg = TwoTierConfig();
  *keep = cfg;
  auto gen = std::make_shared<Generation>();
  gen->config = cfg;
  gen->providers["openai"] = MakeOpenAIProvider({cfg->providers.at("openai").base_url, ""});
  for (const auto& [name, m] : cfg->models) {
    ModelRuntime& rt = gen->models[name];
    rt.config = &m;
    rt.provider_config = &cfg->providers.at("openai");
    rt.provider = gen->providers.at("openai").get();
    rt.health = std::make_shared<ModelHealth>(BreakerParams{}, 1);
  }
  return gen;
}

TEST(Walk, AFailedTierFallsBackAndTheAnswerAndHistoryTellTheSameAttempts) {
  FakeEnv env;
  std::shared_ptr<const Config> cfg;
  Walk::Params p;
  p.id = 7;
  p.req.route = "chat";
  p.req.messages = {{"user", "hello"}};
  p.req.max_tokens = 50;
  p.gen = TwoModels(&cfg);
  p.route = &cfg->routes.at("chat");
  std::vector<RouteResponse> answers;
  p.done = [&](RouteResponse&& r) { answers.push_back(std::move(r)); };
  env.walk = std::make_unique<Walk>(&env, std::move(p));
  env.walk->Launch();
  env.clock_.Advance(40);
  env.http_.ReplyFor("big-id", [] {
    HttpResponse r;
    r.status = 503;
    r.body = R"({"error":{"message":"busy","type":"server_error"}})";
    return r;
  }());
  env.clock_.Advance(10);
  env.http_.ReplyFor("small-id", [] {
    HttpResponse r;
    r.status = 200;
    r.body = kAnswer;
    return r;
  }());
  ASSERT_EQ(answers.size(), 1u);
  ASSERT_TRUE(answers[0].ok);
  EXPECT_EQ(answers[0].result.model, "small");
  EXPECT_EQ(answers[0].result.request_id, 7);
  EXPECT_EQ(env.walk, nullptr);  // finished, and let go
  EXPECT_EQ(env.slots_.in_flight(), 0);
  EXPECT_EQ(env.timers_.pending(), 0u);
  // One record per attempt, told the client and kept in the history alike.
  ASSERT_EQ(env.history.size(), 1u);
  const auto& told = answers[0].result.attempts;
  const auto& kept = env.history[0].attempts;
  ASSERT_EQ(told.size(), 2u);
  ASSERT_EQ(kept.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(told[i].model, kept[i].model);
    EXPECT_EQ(told[i].outcome, kept[i].outcome);
    EXPECT_EQ(told[i].latency_ms, kept[i].latency_ms);
    EXPECT_EQ(told[i].reason, kept[i].reason);
  }
  EXPECT_EQ(told[0].outcome, "server_error");
  EXPECT_EQ(told[0].latency_ms, 40);
  EXPECT_EQ(told[1].latency_ms, 10);
  EXPECT_EQ(env.history[0].fallbacks.size(), 1u);
}

// A request of the chat route, into `answers`, under `gen` (or a new generation).
void Start(FakeEnv& env, std::shared_ptr<const Config>* cfg, std::vector<RouteResponse>* answers,
           std::shared_ptr<Generation> gen = nullptr) {
  Walk::Params p;
  p.id = 9;
  p.req.route = "chat";
  p.req.messages = {{"user", "hello"}};
  p.req.max_tokens = 50;
  p.gen = gen ? gen : TwoModels(cfg);
  p.route = &(*cfg)->routes.at("chat");
  p.done = [answers](RouteResponse&& r) { answers->push_back(std::move(r)); };
  env.walk = std::make_unique<Walk>(&env, std::move(p));
  env.walk->Launch();
}

void Advance(FakeEnv& env, int64_t ms) { env.timers_.Advance(ms); }

HttpResponse Answer200() {
  HttpResponse r;
  r.status = 200;
  r.body = kAnswer;
  return r;
}

// With nothing left to fall back to, the last tier is not cut off at its timeout: a slow
// answer is better than none. The first tier's cut-off is a censored sample at its timeout.
TEST(Walk, TheLastTierRunsOnPastItsTimeoutAndSaysSo) {
  FakeEnv env;
  std::shared_ptr<const Config> cfg;
  std::vector<RouteResponse> answers;
  Start(env, &cfg, &answers);
  Advance(env, 3000);  // big's default timeout: cut off, small starts
  ASSERT_FALSE(env.http_.OpenFor("big-id"));
  ASSERT_TRUE(env.http_.OpenFor("small-id"));
  Advance(env, 3000);  // small's timeout passes: it is the last hope, and is kept
  ASSERT_TRUE(answers.empty());
  ASSERT_TRUE(env.http_.OpenFor("small-id"));
  Advance(env, 1500);
  env.http_.ReplyFor("small-id", Answer200());
  ASSERT_EQ(answers.size(), 1u);
  ASSERT_TRUE(answers[0].ok);
  const auto& told = answers[0].result.attempts;
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[0].outcome, "timeout");
  EXPECT_FALSE(told[0].last_tier);
  EXPECT_EQ(told[1].outcome, "ok");
  EXPECT_EQ(told[1].latency_ms, 4500);
  EXPECT_EQ(told[1].timeout_ms, 3000);
  EXPECT_TRUE(told[1].last_tier);
  EXPECT_TRUE(env.history[0].attempts[1].last_tier);
  // big: one censored sample at its 3 s cutoff; small: its true 4.5 s.
  for (const TimeoutPolicy::KeyStats& k : env.policy_.Stats(env.clock_.NowMs())) {
    EXPECT_EQ(k.samples, 1u) << k.model;
    EXPECT_EQ(k.censored, k.model == "big" ? 1u : 0u) << k.model;
    EXPECT_NEAR(k.p50_ms, k.model == "big" ? 3000 : 4500, 70) << k.model;
  }
  EXPECT_EQ(env.timers_.pending(), 0u);
}

// The last hope still ends: at timeout.ceiling_ms (10 s here) or the deadline.
TEST(Walk, TheLastTierGivesUpAtTheCeiling) {
  FakeEnv env;
  std::shared_ptr<const Config> cfg;
  std::vector<RouteResponse> answers;
  Start(env, &cfg, &answers);
  Advance(env, 3000);
  Advance(env, 9999);
  ASSERT_TRUE(answers.empty());
  Advance(env, 1);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].error.code, "all_models_failed");
  const auto& told = answers[0].error.attempts;
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[1].outcome, "timeout");
  EXPECT_EQ(told[1].latency_ms, 10000);
  EXPECT_TRUE(told[1].last_tier);
  EXPECT_FALSE(env.http_.OpenFor("small-id"));
}

// A tier after this one that could still be called means this is no last hope: it is cut
// off at its timeout as before.
TEST(Walk, ATierWithAFallbackIsCutOffAtItsTimeout) {
  FakeEnv env;
  std::shared_ptr<const Config> cfg;
  std::vector<RouteResponse> answers;
  Start(env, &cfg, &answers);
  Advance(env, 2999);
  ASSERT_TRUE(env.http_.OpenFor("big-id"));
  Advance(env, 1);
  EXPECT_FALSE(env.http_.OpenFor("big-id"));
  EXPECT_TRUE(env.http_.OpenFor("small-id"));
}

// Kept running after its cutoff, within the budget: the request moves on all the same, and
// the late answer is a true sample instead of a censored one.
TEST(Walk, ACutOffCallKeptRunningLeavesItsSampleToTheTailWatch) {
  FakeEnv env;
  env.tail_budget_ = RetryBudget(RetryBudgetParams{5, 1, 10000});
  std::shared_ptr<const Config> cfg;
  std::vector<RouteResponse> answers;
  Start(env, &cfg, &answers);
  Advance(env, 3000);
  EXPECT_TRUE(env.http_.OpenFor("big-id"));
  EXPECT_EQ(env.tails_.in_flight(), 1u);
  EXPECT_TRUE(env.policy_.Stats(env.clock_.NowMs()).empty());  // no censored sample yet
  env.http_.ReplyFor("small-id", Answer200());
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].result.model, "small");
  Advance(env, 200);
  env.http_.ReplyFor("big-id", Answer200());
  EXPECT_EQ(env.tails_.in_flight(), 0u);
  std::vector<TimeoutPolicy::KeyStats> stats = env.policy_.Stats(env.clock_.NowMs());
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].model, "big");
  EXPECT_EQ(stats[0].censored, 0u);
  EXPECT_NEAR(stats[0].p50_ms, 3200, 50);
  EXPECT_EQ(env.timers_.pending(), 0u);
}

// A stream's bytes come to the walk, and its cutoff is on its first text: never kept.
TEST(Walk, AStreamCutOffIsNotKeptRunning) {
  FakeEnv env;
  env.tail_budget_ = RetryBudget(RetryBudgetParams{5, 1, 10000});
  std::shared_ptr<const Config> cfg;
  Walk::Params p;
  p.id = 9;
  p.req.route = "chat";
  p.req.messages = {{"user", "hello"}};
  p.req.max_tokens = 50;
  p.req.stream = true;
  p.gen = TwoModels(&cfg);
  p.route = &cfg->routes.at("chat");
  p.done = [](RouteResponse&&) {};
  p.on_chunk = [](std::string_view, const StreamDelta&) {};
  env.walk = std::make_unique<Walk>(&env, std::move(p));
  env.walk->Launch();
  ASSERT_TRUE(env.http_.OpenFor("big-id"));
  Advance(env, 5000);  // the first-token default
  EXPECT_FALSE(env.http_.OpenFor("big-id"));
  EXPECT_EQ(env.tails_.in_flight(), 0u);
}

// Opens `model`'s breaker (five failures) and, with `cooled`, lets its cool-down pass.
void Open(FakeEnv& env, Generation& gen, const std::string& model, bool cooled) {
  ModelHealth& h = *gen.models.at(model).health;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(h.Admit(env.clock_.NowMs(), nullptr));
    h.Started();
    h.Ended(env.clock_.NowMs(), Outcome::kServerError, false);
  }
  ASSERT_EQ(h.breaker().state(), BreakerState::kOpen);
  if (cooled) Advance(env, h.breaker().open_until_ms() - env.clock_.NowMs());
}

// A half-open tier with a tier after it: a copy of the request probes it, and the request
// goes straight on without waiting for it.
TEST(Walk, AHalfOpenTierIsProbedAsideAndTheRequestGoesOn) {
  FakeEnv env;
  std::shared_ptr<const Config> cfg;
  std::shared_ptr<Generation> gen = TwoModels(&cfg);
  Open(env, *gen, "big", true);
  std::vector<RouteResponse> answers;
  Start(env, &cfg, &answers, gen);
  ASSERT_EQ(env.probes.size(), 1u);
  EXPECT_EQ(env.probes[0].model, "big");
  EXPECT_EQ(env.probes[0].request_id, 9);
  EXPECT_EQ(gen->models.at("big").health->breaker().state(), BreakerState::kHalfOpen);
  EXPECT_FALSE(gen->models.at("big").health->breaker().WouldAllow(env.clock_.NowMs()));
  EXPECT_FALSE(env.http_.OpenFor("big-id"));  // the prober sends it, not the walk
  env.http_.ReplyFor("small-id", Answer200());
  ASSERT_EQ(answers.size(), 1u);
  ASSERT_TRUE(answers[0].ok);
  const auto& told = answers[0].result.attempts;
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[0].outcome, "breaker_open");
  EXPECT_NE(told[0].reason.find("probes it"), std::string::npos) << told[0].reason;
}

// With nothing after it, the half-open tier is the request's last hope: the request itself
// is the probe.
TEST(Walk, WithNoTierAfterItTheRequestIsTheProbe) {
  FakeEnv env;
  std::shared_ptr<const Config> cfg;
  std::shared_ptr<Generation> gen = TwoModels(&cfg);
  Open(env, *gen, "big", true);
  Open(env, *gen, "small", false);
  std::vector<RouteResponse> answers;
  Start(env, &cfg, &answers, gen);
  EXPECT_TRUE(env.probes.empty());
  EXPECT_TRUE(env.http_.OpenFor("big-id"));
}

// Probe copies are extra load: past the route's budget none is sent, and the request itself
// is the probe (cut off at the healthy timeout, as any call).
TEST(Walk, NoProbeCopyBeyondTheExtraLoadBudget) {
  FakeEnv env;
  std::shared_ptr<const Config> cfg;
  std::shared_ptr<Generation> gen = TwoModels(&cfg);
  Open(env, *gen, "big", true);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(env.extra_.TryRetry(env.clock_.NowMs()));  // the floor
  std::vector<RouteResponse> answers;
  Start(env, &cfg, &answers, gen);
  EXPECT_TRUE(env.probes.empty());
  EXPECT_TRUE(env.http_.OpenFor("big-id"));
  EXPECT_FALSE(env.http_.OpenFor("small-id"));
}

// A hedge is extra load too: past the budget a hedging route cuts over instead.
TEST(Walk, AHedgingRouteCutsOverBeyondTheExtraLoadBudget) {
  FakeEnv env;
  auto cfg = std::make_shared<Config>(*TwoTierConfig(SoftTimeout::kHedge));
  std::shared_ptr<const Config> keep;
  std::shared_ptr<Generation> gen = TwoModels(&keep);
  gen->config = cfg;
  for (auto& [name, rt] : gen->models) rt.config = &cfg->models.at(name);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(env.extra_.TryRetry(env.clock_.NowMs()));
  std::vector<RouteResponse> answers;
  Walk::Params p;
  p.id = 3;
  p.req.route = "chat";
  p.req.messages = {{"user", "hello"}};
  p.req.max_tokens = 50;
  p.gen = gen;
  p.route = &cfg->routes.at("chat");
  p.done = [&answers](RouteResponse&& r) { answers.push_back(std::move(r)); };
  env.walk = std::make_unique<Walk>(&env, std::move(p));
  env.walk->Launch();
  Advance(env, 3000);
  EXPECT_FALSE(env.http_.OpenFor("big-id"));  // cut over, not kept as a hedge
  EXPECT_TRUE(env.http_.OpenFor("small-id"));
}

}  // namespace
}  // namespace switchyard
