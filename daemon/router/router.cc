#include "router/router.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <vector>

#include "answer/answer_schemas.h"
#include "base/utf8.h"
#include "prompt/token_estimate.h"
#include "router/params.h"
#include "router/route_status.h"

namespace switchyard {

Router::Router(std::shared_ptr<const Config> config, const RouterContext& ctx)
    : http_(ctx.http),
      timers_(ctx.timers),
      clock_(ctx.clock),
      policy_(ctx.policy),
      first_token_policy_(ctx.first_token_policy ? ctx.first_token_policy
                                                 : &own_first_token_policy_),
      calibration_(ctx.calibration ? ctx.calibration : &own_calibration_),
      spend_(ctx.spend ? ctx.spend : &own_spend_),
      store_(ctx.store),
      redactor_(ctx.redactor ? ctx.redactor : &own_redactor_),
      retry_budget_(RetryParamsOf(config->retry)),
      next_request_id_(ctx.first_request_id),
      prober_({clock_, timers_, http_, policy_, first_token_policy_, spend_, store_,
               [this](const std::string& model, const BreakerTransition& t) {
                 BreakerMoved(model, t);
               }}),
      tails_({clock_, timers_, http_, policy_, spend_, store_}) {
  gen_ = Build(std::move(config));
}

Router::~Router() { AbortAll("shutting_down", "the daemon is stopping"); }

namespace {

std::unique_ptr<Provider> MakeProviderOf(const ProviderConfig& p) {
  ProviderEndpoint ep{p.base_url,         p.api_key,           p.api_version,
                      p.region,           p.aws_access_key_id, p.aws_secret_access_key,
                      p.aws_session_token};
  switch (p.kind) {
    case ProviderKind::kAnthropic:
      return MakeAnthropicProvider(std::move(ep));
    case ProviderKind::kGemini:
      return MakeGeminiProvider(std::move(ep));
    case ProviderKind::kAzure:
      return MakeAzureProvider(std::move(ep));
    case ProviderKind::kBedrock:
      return MakeBedrockProvider(std::move(ep));
    case ProviderKind::kOpenAI:
      break;
  }
  return MakeOpenAIProvider(std::move(ep));
}

}  // namespace

std::shared_ptr<Generation> Router::Build(std::shared_ptr<const Config> config) {
  auto gen = std::make_shared<Generation>();
  gen->config = std::move(config);
  const Config& cfg = *gen->config;
  for (const auto& [name, p] : cfg.providers) {
    gen->providers[name] = MakeProviderOf(p);
    auto slots = provider_slots_.find(name);
    if (slots == provider_slots_.end()) {
      provider_slots_.emplace(name, ProviderSlots(p.max_in_flight));
    } else {
      slots->second.set_capacity(p.max_in_flight);
    }
  }
  for (const auto& [name, m] : cfg.models) {
    ModelRuntime& rt = gen->models[name];
    rt.config = &m;
    rt.provider_config = &cfg.providers.at(m.provider);
    rt.provider = gen->providers.at(m.provider).get();
    std::shared_ptr<ModelHealth>& health = health_[name];
    if (!health) {
      uint64_t seed = std::hash<std::string>{}(name) ^ static_cast<uint64_t>(clock_->WallMs());
      health = std::make_shared<ModelHealth>(BreakerParamsOf(m.breaker), seed);
      health->breaker().Hold(hold_all_);
      health->set_on_turn_wanted([this, model = name] {
        if (listener_) listener_->TurnWanted(model);
      });
    } else {
      health->set_params(BreakerParamsOf(m.breaker));
    }
    rt.health = health;
  }
  return gen;
}

void Router::Reload(std::shared_ptr<const Config> config) {
  retry_budget_.set_params(RetryParamsOf(config->retry));
  for (auto& [name, l] : load_) {
    l.extra.set_params(ExtraLoadParamsOf(config->retry));
    l.tails.set_params(ExtraLoadParamsOf(config->retry));
  }
  gen_ = Build(std::move(config));
}

bool Router::EstimateInputTokens(const CompleteRequest& req, int64_t* tokens) const {
  auto route = gen_->config->routes.find(req.route);
  if (route == gen_->config->routes.end() || route->second.tiers.empty()) return false;
  *tokens = calibration_->Scale(route->second.tiers.front(), EstimateRequestTokens(req));
  return true;
}

int64_t Router::Complete(CompleteRequest req, Done done, Chunk on_chunk, RequestOrigin origin) {
  auto route_it = gen_->config->routes.find(req.route);
  if (route_it == gen_->config->routes.end()) {
    RouteResponse r;
    r.error.code = "no_route";
    r.error.message = "no route named '" + Printable(req.route) + "'";
    done(std::move(r));
    return 0;
  }
  // Schemas that do not compile, or history calls whose arguments no provider would take,
  // would fail on every tier: the client hears it now.
  std::shared_ptr<const AnswerSchemas> schemas;
  Status s = CheckToolArguments(req);
  if (s.ok()) s = AnswerSchemas::For(req, &schemas);
  if (!s.ok()) {
    RouteResponse r;
    r.error.code = "bad_request";
    r.error.message = s.message();
    done(std::move(r));
    return 0;
  }
  int64_t cap = gen_->config->daemon.max_in_flight_per_client;
  auto held = client_walks_.find(origin.client);
  if (cap > 0 && held != client_walks_.end() && held->second >= cap) {
    log_.Log(clock_->NowMs(), spdlog::level::warn, "a client at max_in_flight_per_client",
             "a client (id {}) has {} requests in flight, daemon.max_in_flight_per_client: "
             "refusing its excess",
             origin.client, held->second);
    RouteResponse r;
    r.error.code = "overloaded";
    r.error.message = "this client already has " + std::to_string(held->second) +
                      " requests in flight, its limit (daemon.max_in_flight_per_client)";
    done(std::move(r));
    return 0;
  }
  ++client_walks_[origin.client];
  const RouteConfig& route = route_it->second;
  Walk::Params p;
  p.id = next_request_id_++;
  p.origin = origin;
  p.req = std::move(req);
  p.gen = gen_;
  p.route = &route;
  if (OverBudget(*spend_, route, clock_->WallMs())) {
    p.first_tier = static_cast<size_t>(
        std::find(route.tiers.begin(), route.tiers.end(), route.over_budget_tier) -
        route.tiers.begin());
  }
  p.done = std::move(done);
  p.on_chunk = std::move(on_chunk);
  retry_budget_.RecordRequest(clock_->NowMs());
  RouteLoad& l = load(route.name);
  l.extra.RecordRequest(clock_->NowMs());
  l.tails.RecordRequest(clock_->NowMs());
  int64_t id = p.id;
  WalkEnv* env = this;
  auto walk = std::make_unique<Walk>(env, std::move(p));
  Walk* raw = walk.get();
  walks_.emplace(id, std::move(walk));
  raw->Launch();
  return id;
}

Router::RouteLoad& Router::load(const std::string& route) {
  auto it = load_.find(route);
  if (it == load_.end()) {
    RetryBudgetParams p = ExtraLoadParamsOf(gen_->config->retry);
    it = load_.emplace(route, RouteLoad{RetryBudget(p), RetryBudget(p)}).first;
  }
  return it->second;
}

RetryBudget& Router::extra_load(const std::string& route) { return load(route).extra; }

RetryBudget& Router::tail_budget(const std::string& route) { return load(route).tails; }

Walk* Router::Find(int64_t id) {
  auto it = walks_.find(id);
  return it == walks_.end() ? nullptr : it->second.get();
}

void Router::Abandon(int64_t request_id, const std::string& reason) {
  // Its calls are cancelled at once: a provider's slot, and its bill, for an answer no one
  // will read helps nobody.
  if (Walk* w = Find(request_id)) w->Abort("cancelled", reason);
}

void Router::AbandonFrom(uint64_t conn, const std::string& reason) {
  // A scan of what is in flight: connections close seldom, requests are many, and this keeps
  // nothing per request.
  std::vector<int64_t> ids;
  for (const auto& [id, w] : walks_) {
    if (w->origin().conn == conn) ids.push_back(id);
  }
  for (int64_t id : ids) Abandon(id, reason);
}

void Router::AbortAll(const std::string& code, const std::string& message) {
  while (!walks_.empty()) walks_.begin()->second->Abort(code, message);
  prober_.CancelAll();
  tails_.CancelAll();
}

int64_t Router::OpenUntilWall(const BreakerTransition& t) const {
  if (t.to != BreakerState::kOpen) return 0;
  return clock_->WallMs() + (t.open_until_ms - clock_->NowMs());
}

void Router::BreakerMoved(const std::string& model, const BreakerTransition& t) {
  if (!t.happened) return;
  // One reading of the clocks: the history and the fleet get the same wall-clock deadline.
  int64_t open_until_wall = OpenUntilWall(t);
  RecordTransition(model, t, open_until_wall);
  if (!listener_) return;
  int64_t cooldown = t.to == BreakerState::kOpen ? health_.at(model)->breaker().cooldown_ms() : 0;
  listener_->BreakerMoved(model, t, open_until_wall, cooldown);
}

void Router::RecordTransition(const std::string& model, const BreakerTransition& t,
                              int64_t open_until_wall) {
  int64_t now = clock_->NowMs();
  int64_t wall = clock_->WallMs();
  if (t.to == BreakerState::kOpen) {
    spdlog::warn("breaker {}: {} -> open ({}); half-opens in {} ms", model,
                 BreakerStateName(t.from), t.reason, t.open_until_ms - now);
  } else {
    spdlog::info("breaker {}: {} -> {} ({})", model, BreakerStateName(t.from),
                 BreakerStateName(t.to), t.reason);
  }
  if (!store_) return;
  BreakerTransitionRecord r;
  r.ts_ms = wall;
  r.model = model;
  r.from_state = BreakerStateName(t.from);
  r.to_state = BreakerStateName(t.to);
  r.reason = t.reason;
  if (t.to == BreakerState::kOpen) r.open_until_ms = open_until_wall;
  store_->RecordBreakerTransition(std::move(r));
}

void Router::ApplyFleetOpen(const std::string& model, int64_t open_until_wall_ms,
                            int64_t cooldown_ms, const std::string& reason) {
  auto it = health_.find(model);
  if (it == health_.end()) return;
  int64_t now = clock_->NowMs();
  int64_t until = now + (open_until_wall_ms - clock_->WallMs());
  BreakerTransition t = it->second->breaker().OpenUntil(now, until, cooldown_ms, reason);
  // The deadline as the fleet said it, not converted there and back.
  if (t.happened) RecordTransition(model, t, open_until_wall_ms);
}

void Router::ApplyFleetClose(const std::string& model, const std::string& reason) {
  auto it = health_.find(model);
  if (it == health_.end()) return;
  BreakerTransition t = it->second->breaker().Reset(reason);
  if (t.happened) RecordTransition(model, t, 0);
}

void Router::HoldBreakers(bool held) {
  hold_all_ = held;
  for (auto& [name, h] : health_) h->breaker().Hold(held);
}

void Router::HoldBreaker(const std::string& model, bool held) {
  auto it = health_.find(model);
  if (it != health_.end()) it->second->breaker().Hold(held);
}

bool Router::FindBreaker(const std::string& model, BreakerView* out) const {
  auto it = health_.find(model);
  if (it == health_.end()) return false;
  const Breaker& b = it->second->breaker();
  out->model = model;
  out->state = b.state();
  out->open_until_wall_ms = clock_->WallMs() + (b.open_until_ms() - clock_->NowMs());
  out->cooldown_ms = b.cooldown_ms();
  return true;
}

std::vector<Router::BreakerView> Router::Breakers() const {
  std::vector<BreakerView> out;
  for (const auto& [name, h] : health_) {
    BreakerView v;
    FindBreaker(name, &v);
    out.push_back(std::move(v));
  }
  return out;
}

void Router::Finished(Walk* walk, const RouteResponse& response) {
  auto node = walks_.extract(walk->id());
  auto held = client_walks_.find(walk->origin().client);
  if (held != client_walks_.end() && --held->second == 0) client_walks_.erase(held);
  AddSpend(*walk);
  if (store_) {
    store_->RecordRequest(walk->HistoryRecord(response));
    FallbackAnswerRecord kept;
    if (walk->KeptAnswer(response, &kept)) store_->RecordFallbackAnswer(std::move(kept));
  }
  // `node` owns the walk: it goes here, once its caller has only locals left.
}

void Router::AddSpend(const Walk& w) {
  if (w.cost_usd() <= 0) return;
  const RouteConfig& route = w.route();
  bool was_over = OverBudget(*spend_, route, w.wall_start_ms());
  spend_->Add(route.name, w.wall_start_ms(), w.cost_usd());
  if (!was_over && OverBudget(*spend_, route, w.wall_start_ms())) {
    spdlog::warn(
        "route {}: spent ${:.4f} of its ${:.4f} daily budget; until 00:00 UTC its "
        "requests start at {}",
        route.name, spend_->Spent(route.name, w.wall_start_ms()), route.budget_usd_per_day,
        route.over_budget_tier);
  }
}

void Router::RestoreBreaker(const std::string& model, int64_t open_until_wall_ms,
                            int64_t cooldown_ms) {
  auto it = health_.find(model);
  if (it == health_.end()) return;
  int64_t left = open_until_wall_ms - clock_->WallMs();
  if (left <= 0) return;
  it->second->RestoreOpen(clock_->NowMs() + left, cooldown_ms);
  spdlog::info("breaker {}: restored open from the history; half-opens in {} ms", model, left);
}

void Router::FillStatus(StatusResult* out) {
  FillModelsAndRoutes(*gen_, {policy_, first_token_policy_}, *spend_, clock_->NowMs(),
                      clock_->WallMs(), out);
}

}  // namespace switchyard
