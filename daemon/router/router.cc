#include "router/router.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>

#include "answer/answer_checks.h"
#include "prompt/fit_prompt.h"
#include "prompt/token_estimate.h"
#include "base/utf8.h"
#include "providers/sse.h"

namespace switchyard {

// One model call in flight.
struct Router::Call {
  int64_t seq = 0;  // index in Walk::attempts
  std::string model;
  int64_t start_ms = 0;
  int64_t soft_timeout_ms = 0;
  int64_t hard_at_ms = 0;  // when a hedged call is given up
  HttpClient::Id http_id = 0;
  Timers::Id timer_id = 0;
  bool past_soft = false;  // its soft timeout fired and it was kept alive (hedge)
  bool retry = false;      // the request's one same-model retry
  // Streams: the provider's events as they arrive, and what they add up to.
  struct Stream {
    explicit Stream(const Redactor* r) : redact(r) {}
    SseParser parser;
    std::unique_ptr<StreamDecoder> decoder;
    StreamState state;
    bool got_text = false;
    int64_t last_byte_ms = 0;
    // The text is redacted again as one text on its way to the client: a key the model
    // echoes arrives split over many events, so the bytes redacted at the door
    // (http/redacting_http_client.h) never held it whole.
    Redactor::Stream redact;
    std::string relayed;  // the redacted text passed on so far
  };
  std::unique_ptr<Stream> stream;
};

// A call's prompt, fitted to its model.
struct Router::Prepared {
  int64_t max_tokens = 0;
  int64_t est_tokens = 0;     // uncalibrated estimate of what is sent
  int64_t tokens_before = 0;  // calibrated estimates of the prompt as given and as sent
  int64_t tokens_after = 0;
  bool truncated = false;
  Truncation truncation;
  std::vector<Message> messages;  // when truncated; else the request's own are sent
};

struct Router::Walk {
  int64_t id = 0;  // the request id in the history
  ClientId client = 0;
  uint64_t conn = 0;
  int64_t wall_start_ms = 0;
  CompleteRequest req;
  std::shared_ptr<Generation> gen;  // the config the request started under
  const RouteConfig* route = nullptr;
  Done done;
  int64_t start_ms = 0;
  int64_t deadline_at_ms = 0;
  size_t next_tier = 0;
  int64_t calls_made = 0;
  bool retried = false;
  Timers::Id retry_timer = 0;
  std::vector<Call> live;
  std::vector<AttemptReport> attempts;  // in start order, filled in as calls end
  std::vector<AttemptRecord> records;   // the same, as the history keeps them
  std::vector<FallbackRecord> fallbacks;
  FallbackRecord moving_on;  // from_model set: the next model starts a fallback
  double cost_usd = 0;
  int64_t raw_tokens = 0;        // uncalibrated estimate of the prompt as the client sent it
  int64_t refused_window = 0;    // largest window whose provider said the prompt is too long
  Chunk on_chunk;                // streams
  int64_t chunks_sent = 0;
  // Why the last tier refused for lack of slots was refused, when one was: a request that
  // made no call for that reason is answered `overloaded`.
  std::string refused_for_capacity;
};

namespace {

double CostUsd(const ModelConfig& m, const Usage& u) {
  return (static_cast<double>(u.input_tokens) * m.input_usd_per_mtok +
          static_cast<double>(u.output_tokens) * m.output_usd_per_mtok) /
         1e6;
}

Outcome FromTransport(TransportError e) {
  switch (e) {
    case TransportError::kConnect:
      return Outcome::kConnectError;
    case TransportError::kTimeout:
      return Outcome::kTimeout;
    default:
      return Outcome::kTransportError;
  }
}

RouteResponse Error(std::string code, std::string message) {
  RouteResponse r;
  r.error.code = std::move(code);
  r.error.message = std::move(message);
  return r;
}

TimeoutParams ParamsOf(const RouteConfig& r) {
  TimeoutParams p;
  p.default_ms = r.timeout.default_ms;
  p.p95_multiplier = r.timeout.p95_multiplier;
  p.floor_ms = r.timeout.floor_ms;
  p.ceiling_ms = r.timeout.ceiling_ms;
  p.min_samples = r.timeout.min_samples;
  p.window_ms = r.timeout.window_s * 1000;
  return p;
}

BreakerParams ParamsOf(const BreakerConfig& b) {
  BreakerParams p;
  p.window_ms = b.window_s * 1000;
  p.min_calls = b.min_calls;
  p.failure_rate = b.failure_rate;
  p.slow_rate = b.slow_rate;
  p.consecutive_failures = b.consecutive_failures;
  p.cooldown_ms = b.cooldown_ms;
  p.cooldown_multiplier = b.cooldown_multiplier;
  p.max_cooldown_ms = b.max_cooldown_ms;
  p.jitter = b.jitter;
  p.half_open_probes = b.half_open_probes;
  return p;
}

RetryBudgetParams ParamsOf(const RetryConfig& r) {
  return RetryBudgetParams{r.budget_percent, r.min_retries, r.window_s * 1000};
}

// What a finished call tells the breaker; nullopt-like kNone for calls that say nothing
// about the model's health (the request's own fault, a prompt too long for it).
enum class Verdict { kNone, kSuccess, kSlowSuccess, kSlow, kFailure };

Verdict VerdictOf(Outcome o, bool past_soft) {
  switch (o) {
    case Outcome::kOk:
      return past_soft ? Verdict::kSlowSuccess : Verdict::kSuccess;
    case Outcome::kTimeout:
      return Verdict::kSlow;
    case Outcome::kConnectError:
    case Outcome::kTransportError:
    case Outcome::kRateLimited:
    case Outcome::kServerError:
    case Outcome::kBadResponse:
    case Outcome::kEmptyAnswer:
    case Outcome::kIncompleteStream:
    case Outcome::kRepetition:
      return Verdict::kFailure;
    default:
      return Verdict::kNone;
  }
}

int64_t MaxAttempts(const RouteConfig& r) {
  return r.max_attempts > 0 ? r.max_attempts : static_cast<int64_t>(r.tiers.size()) + 1;
}

TimeoutParams FirstTokenParamsOf(const RouteConfig& r) {
  TimeoutParams p = ParamsOf(r);
  p.default_ms = r.timeout.first_token_default_ms;
  return p;
}

AnswerChecks ChecksOf(const ChecksConfig& c) {
  AnswerChecks a;
  a.empty = c.empty;
  a.length = c.length;
  a.content_filter = c.content_filter;
  a.incomplete_stream = c.incomplete_stream;
  a.json = c.json;
  a.repetition = c.repetition;
  return a;
}

Outcome OutcomeOf(AnswerProblem p) {
  switch (p) {
    case AnswerProblem::kEmpty:
      return Outcome::kEmptyAnswer;
    case AnswerProblem::kLength:
      return Outcome::kLengthLimit;
    case AnswerProblem::kContentFilter:
      return Outcome::kContentFilter;
    case AnswerProblem::kInvalidJson:
      return Outcome::kInvalidJson;
    case AnswerProblem::kRepetition:
      return Outcome::kRepetition;
    case AnswerProblem::kNone:
      break;
  }
  return Outcome::kOk;
}

// Runs the route's checks on a 200 answer; returns the outcome and fills `reason` on failure.
Outcome Check(const Answer& a, const CompleteRequest& req, const RouteConfig& route,
              std::string* reason) {
  AnswerFacts f;
  f.content = a.content;
  f.finish_reason = a.finish_reason;
  f.output_tokens = a.usage.output_tokens;
  f.json_requested = req.json;
  f.length_stop_allowed = req.allow_length_stop;
  AnswerVerdict v = CheckAnswer(f, ChecksOf(route.checks));
  if (v.problem == AnswerProblem::kNone) return Outcome::kOk;
  *reason = std::move(v.reason);
  return OutcomeOf(v.problem);
}

}  // namespace

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
      retry_budget_(ParamsOf(config->retry)),
      next_request_id_(ctx.first_request_id) {
  gen_ = Build(std::move(config));
}

std::shared_ptr<Router::Generation> Router::Build(std::shared_ptr<const Config> config) {
  auto gen = std::make_shared<Generation>();
  gen->config = std::move(config);
  const Config& cfg = *gen->config;
  for (const auto& [name, p] : cfg.providers) {
    ProviderEndpoint ep{p.base_url, p.api_key};
    gen->providers[name] = p.kind == ProviderKind::kAnthropic ? MakeAnthropicProvider(std::move(ep))
                                                              : MakeOpenAIProvider(std::move(ep));
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
      health = std::make_shared<ModelHealth>();
      uint64_t seed = std::hash<std::string>{}(name) ^ static_cast<uint64_t>(clock_->WallMs());
      health->breaker = std::make_unique<Breaker>(ParamsOf(m.breaker), seed);
    } else {
      health->breaker->set_params(ParamsOf(m.breaker));
    }
    rt.health = health;
  }
  return gen;
}

void Router::Reload(std::shared_ptr<const Config> config) {
  retry_budget_.set_params(ParamsOf(config->retry));
  gen_ = Build(std::move(config));
}

Router::~Router() { AbortAll("shutting_down", "the daemon is stopping"); }

int64_t Router::Complete(CompleteRequest req, Done done, Chunk on_chunk, RequestOrigin origin) {
  ClientId client = origin.client;
  auto route_it = gen_->config->routes.find(req.route);
  if (route_it == gen_->config->routes.end()) {
    done(Error("no_route", "no route named '" + Printable(req.route) + "'"));
    return 0;
  }
  int64_t cap = gen_->config->daemon.max_in_flight_per_client;
  auto held = client_walks_.find(client);
  if (cap > 0 && held != client_walks_.end() && held->second >= cap) {
    log_.Log(clock_->NowMs(), spdlog::level::warn, "a client at max_in_flight_per_client",
             "a client (id {}) has {} requests in flight, daemon.max_in_flight_per_client: "
             "refusing its excess",
             client, held->second);
    done(Error("overloaded", "this client already has " + std::to_string(held->second) +
                                 " requests in flight, its limit (daemon.max_in_flight_per_client)"));
    return 0;
  }
  ++client_walks_[client];
  auto w = std::make_unique<Walk>();
  w->id = next_request_id_++;
  w->client = client;
  w->conn = origin.conn;
  w->wall_start_ms = clock_->WallMs();
  w->gen = gen_;
  w->route = &route_it->second;
  w->done = std::move(done);
  w->start_ms = clock_->NowMs();
  int64_t deadline = req.deadline_ms > 0 ? req.deadline_ms : w->route->deadline_ms;
  w->deadline_at_ms = w->start_ms + deadline;
  w->raw_tokens = EstimatePromptTokens(req.messages);
  if (req.stream) w->on_chunk = std::move(on_chunk);
  w->req = std::move(req);
  if (OverBudget(*w->route, w->wall_start_ms)) {
    const auto& tiers = w->route->tiers;
    w->next_tier = static_cast<size_t>(
        std::find(tiers.begin(), tiers.end(), w->route->over_budget_tier) - tiers.begin());
  }
  retry_budget_.RecordRequest(w->start_ms);
  Walk* raw = w.get();
  int64_t id = raw->id;
  walks_.emplace(id, std::move(w));
  Launch(raw);
  return id;
}

void Router::AbandonFrom(uint64_t conn, const std::string& reason) {
  // A scan of what is in flight: connections close seldom, requests are many, and this keeps
  // nothing per request.
  std::vector<int64_t> ids;
  for (const auto& [id, w] : walks_) {
    if (w->conn == conn) ids.push_back(id);
  }
  for (int64_t id : ids) Abandon(id, reason);
}

void Router::Abandon(int64_t request_id, const std::string& reason) {
  auto it = walks_.find(request_id);
  if (it == walks_.end()) return;
  Walk* w = it->second.get();
  // Its calls are cancelled at once: a provider's slot, and its bill, for an answer no one
  // will read helps nobody.
  while (!w->live.empty()) CancelCall(w, w->live.front().seq, reason);
  Finish(w, Error("cancelled", reason));
}

int64_t Router::AttemptTimeoutMs(const Walk& w, const std::string& model) {
  return policy_->TimeoutFor(model, w.req.task, clock_->NowMs(), ParamsOf(*w.route));
}

void Router::Emit(const std::string& model, const BreakerTransition& t) {
  if (!t.happened) return;
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
  if (t.to == BreakerState::kOpen) r.open_until_ms = wall + (t.open_until_ms - now);
  store_->RecordBreakerTransition(std::move(r));
}

namespace {

// Called as a model is tried (or skipped): if the walk was moving on from another model,
// that move is a fallback.
void NoteFallbackTo(std::vector<FallbackRecord>* fallbacks, FallbackRecord* moving_on,
                    const std::string& model) {
  if (moving_on->from_model.empty() || moving_on->from_model == model) return;
  FallbackRecord f = *moving_on;
  f.to_model = model;
  fallbacks->push_back(std::move(f));
  *moving_on = FallbackRecord();
}

void MoveOn(FallbackRecord* moving_on, int64_t wall_ms, const std::string& from, std::string reason,
            std::string detail) {
  moving_on->ts_ms = wall_ms;
  moving_on->from_model = from;
  moving_on->reason = std::move(reason);
  moving_on->detail = std::move(detail);
}

}  // namespace

void Router::Skip(Walk* w, const std::string& model, Outcome why, std::string reason) {
  NoteFallbackTo(&w->fallbacks, &w->moving_on, model);
  MoveOn(&w->moving_on, clock_->WallMs(), model, OutcomeName(why), reason);
  AttemptReport a;
  a.model = model;
  a.outcome = OutcomeName(why);
  a.reason = std::move(reason);
  AttemptRecord rec;
  rec.ts_ms = clock_->WallMs();
  rec.called = false;
  rec.model = model;
  rec.outcome = a.outcome;
  rec.reason = a.reason;
  w->attempts.push_back(std::move(a));
  w->records.push_back(std::move(rec));
}

void Router::Launch(Walk* w) {
  while (w->next_tier < w->route->tiers.size()) {
    int64_t now = clock_->NowMs();
    if (now >= w->deadline_at_ms || w->calls_made >= MaxAttempts(*w->route)) break;
    const std::string& name = w->route->tiers[w->next_tier++];
    ModelRuntime& rt = w->gen->models.at(name);
    Prepared prepared;
    std::string why;
    if (!Prepare(w, name, &prepared, &why)) {
      Skip(w, name, Outcome::kContextOverflow, std::move(why));
      continue;
    }
    BreakerTransition t;
    bool allowed = rt.health->breaker->Allow(now, &t);
    Emit(name, t);
    if (!allowed) {
      Skip(w, name, Outcome::kBreakerOpen,
           rt.health->breaker->state() == BreakerState::kOpen
               ? "breaker open; half-opens in " +
                     std::to_string(rt.health->breaker->open_until_ms() - now) + " ms"
               : "breaker half-open; its probes are in flight");
      continue;
    }
    if (!TakeSlot(w, rt)) {
      rt.health->breaker->Release();
      continue;
    }
    StartCall(w, name, false, std::move(prepared));
    return;
  }
  if (w->live.empty() && w->retry_timer == 0) FinishFailed(w);
}

bool Router::TakeSlot(Walk* w, const ModelRuntime& rt) {
  const std::string& provider = rt.config->provider;
  ProviderSlots& slots = provider_slots_.at(provider);
  ProviderSlots::Result got = slots.Take(w->client);
  if (got.verdict == ProviderSlots::Verdict::kTaken) return true;
  std::string why =
      got.verdict == ProviderSlots::Verdict::kOverShare
          ? "this client's share of " + provider + " is taken: it holds " +
                std::to_string(got.held) + " of its " + std::to_string(slots.capacity()) +
                " slots, its fair share now with " + std::to_string(slots.in_flight()) +
                " in flight"
          : provider + " has " + std::to_string(slots.in_flight()) + " calls in flight, its " +
                "max_in_flight";
  w->refused_for_capacity = why;
  Skip(w, rt.config->name, Outcome::kOverloaded, std::move(why));
  return false;
}

bool Router::Prepare(Walk* w, const std::string& model, Prepared* p, std::string* why) {
  const ModelConfig& m = *w->gen->models.at(model).config;
  p->max_tokens = std::min(w->req.max_tokens, m.max_output_tokens);
  p->est_tokens = w->raw_tokens;
  if (w->refused_window > 0 && m.context_window <= w->refused_window) {
    *why = "a model with a " + std::to_string(w->refused_window) +
           "-token window already refused this prompt as too long";
    return false;
  }
  int64_t budget = m.context_window - p->max_tokens;
  int64_t tokens = calibration_->Scale(model, w->raw_tokens);
  p->tokens_before = p->tokens_after = tokens;
  if (tokens <= budget) return true;
  std::string need = "~" + std::to_string(tokens) + " prompt tokens + " +
                     std::to_string(p->max_tokens) + " for the answer exceed its " +
                     std::to_string(m.context_window) + "-token window";
  if (w->route->on_context_overflow == ContextOverflow::kSkip) {
    *why = need;
    return false;
  }
  FitResult fit = FitPrompt(w->req.messages, budget, calibration_->Ratio(model));
  if (!fit.fits) {
    *why = need + ", and shortening the prompt cannot make it fit";
    return false;
  }
  p->truncated = true;
  p->truncation.tokens_before = fit.tokens_before;
  p->truncation.tokens_after = p->tokens_after = fit.tokens_after;
  p->truncation.dropped_messages = fit.dropped_messages;
  p->truncation.cut_chars = fit.cut_chars;
  p->messages = std::move(fit.messages);
  p->est_tokens = EstimatePromptTokens(p->messages);
  return true;
}

void Router::StartCall(Walk* w, const std::string& name, bool retry, Prepared&& p) {
  ModelRuntime& rt = w->gen->models.at(name);
  int64_t now = clock_->NowMs();
  int64_t remaining = w->deadline_at_ms - now;
  HttpCallSpec spec = rt.provider->Build(rt.config->id, w->req,
                                         p.truncated ? p.messages : w->req.messages, p.max_tokens);
  Call c;
  c.seq = static_cast<int64_t>(w->attempts.size());
  c.model = name;
  c.start_ms = now;
  c.retry = retry;
  bool stream = w->req.stream;
  // A stream's soft timeout is on its first text; once text flows, only a stall or the
  // deadline ends it.
  c.soft_timeout_ms =
      std::min(stream ? first_token_policy_->TimeoutFor(name, w->req.task, now,
                                                        FirstTokenParamsOf(*w->route))
                      : AttemptTimeoutMs(*w, name),
               remaining);
  // A hedged call may outlive its soft timeout, up to the ceiling or the deadline.
  c.hard_at_ms = w->route->on_soft_timeout == SoftTimeout::kHedge
                     ? std::min(now + std::max(w->route->timeout.ceiling_ms, c.soft_timeout_ms),
                                w->deadline_at_ms)
                     : now + c.soft_timeout_ms;
  HttpRequest hr;
  hr.url = std::move(spec.url);
  hr.headers = std::move(spec.headers);
  hr.body = std::move(spec.body);
  // The router's timers decide; curl's own limit is only a backstop a little later.
  hr.timeout_ms = ((stream ? w->deadline_at_ms : c.hard_at_ms) - now) + 1000;
  hr.connect_timeout_ms = std::min(rt.provider_config->connect_timeout_ms, c.soft_timeout_ms);
  hr.ca_file = rt.provider_config->ca_file;
  hr.use_curl = rt.provider_config->http_client_curl;
  hr.max_response_bytes = static_cast<size_t>(rt.provider_config->max_response_bytes);
  int64_t walk_id = w->id;
  int64_t seq = c.seq;
  if (stream) {
    c.stream = std::make_unique<Call::Stream>(redactor_);
    c.stream->decoder = rt.provider->NewStreamDecoder();
    hr.on_data = [this, walk_id, seq](std::string_view bytes) {
      OnStreamData(walk_id, seq, bytes);
    };
  }

  NoteFallbackTo(&w->fallbacks, &w->moving_on, name);
  AttemptReport a;
  a.model = name;
  a.outcome = "in_progress";
  a.timeout_ms = c.soft_timeout_ms;
  a.truncated = p.truncated;
  a.truncation = p.truncation;
  if (retry) a.reason = "retry";
  AttemptRecord rec;
  rec.ts_ms = clock_->WallMs();
  rec.model = name;
  rec.timeout_ms = c.soft_timeout_ms;
  rec.stream = stream;
  rec.truncated = p.truncated;
  rec.est_tokens = p.est_tokens;
  rec.tokens_before = p.tokens_before;
  rec.tokens_after = p.tokens_after;
  w->attempts.push_back(std::move(a));
  w->records.push_back(std::move(rec));
  ++w->calls_made;

  c.http_id = http_->Start(std::move(hr), [this, walk_id, seq](HttpResponse&& resp) {
    OnHttpDone(walk_id, seq, std::move(resp));
  });
  ++rt.health->in_flight;
  if (c.http_id == 0) {
    w->live.push_back(std::move(c));
    EndCall(w, seq, Outcome::kTransportError, "could not start the HTTP request", 0, nullptr, -1);
    return;
  }
  c.timer_id =
      timers_->Start(c.soft_timeout_ms, [this, walk_id, seq] { OnSoftTimeout(walk_id, seq); });
  w->live.push_back(std::move(c));
}

void Router::OnHttpDone(int64_t walk_id, int64_t seq, HttpResponse&& resp) {
  Walk* w = nullptr;
  Call* call = FindCall(walk_id, seq, &w);
  if (!call) return;
  call->http_id = 0;
  if (call->stream && resp.error == TransportError::kNone && resp.status >= 200 &&
      resp.status < 300) {
    EndStream(w, seq, std::move(resp));
    return;
  }
  if (resp.error != TransportError::kNone) {
    std::string reason = resp.error_message;
    Answer partial;
    const Answer* billed = nullptr;
    if (call->stream && call->stream->got_text) {
      // Cut mid-stream: the provider billed what it generated.
      partial = call->stream->state.answer;
      reason += EstimateStreamUsage(*w, *call, &partial);
      billed = &partial;
    }
    EndCall(w, seq, FromTransport(resp.error), std::move(reason), resp.status, billed, -1);
    return;
  }
  const ModelRuntime& rt = w->gen->models.at(call->model);
  HttpReply reply;
  reply.status = resp.status;
  reply.body = resp.body;
  reply.body_capacity = resp.body.capacity();
  reply.retry_after = resp.retry_after;
  reply.retry_after_ms = resp.retry_after_ms;
  reply.wall_now_ms = clock_->WallMs();
  ParsedResponse parsed = rt.provider->Parse(reply);
  if (parsed.outcome == Outcome::kOk) {
    parsed.outcome = Check(parsed.answer, w->req, *w->route, &parsed.reason);
  }
  EndCall(w, seq, parsed.outcome, std::move(parsed.reason), resp.status, &parsed.answer,
          parsed.retry_after_ms);
}

void Router::EndStream(Walk* w, int64_t seq, HttpResponse&& resp) {
  Call* call = nullptr;
  for (Call& c : w->live) {
    if (c.seq == seq) call = &c;
  }
  Call::Stream& st = *call->stream;
  Answer answer = st.state.answer;
  std::string rest;
  st.redact.Finish(&rest);
  answer.content = st.relayed + rest;
  std::string reason;
  Outcome outcome = Outcome::kOk;
  if (st.state.failed) {
    outcome = st.state.failure;
    reason = st.state.reason;
  } else if (!st.state.finished && w->route->checks.incomplete_stream) {
    outcome = Outcome::kIncompleteStream;
    reason = "the stream ended without its final event after " +
             std::to_string(answer.content.size()) + " bytes of text";
  } else {
    outcome = Check(answer, w->req, *w->route, &reason);
  }
  // The tail kept back goes out unless it would turn a failure that may still fall back
  // into a partial answer.
  if (!rest.empty() && (outcome == Outcome::kOk || w->chunks_sent > 0)) Relay(w, rest);
  if (outcome != Outcome::kOk) reason += EstimateStreamUsage(*w, *call, &answer);
  EndCall(w, seq, outcome, std::move(reason), resp.status, &answer, -1);
}

void Router::OnStreamData(int64_t walk_id, int64_t seq, std::string_view bytes) {
  Walk* w = nullptr;
  Call* call = FindCall(walk_id, seq, &w);
  if (!call) return;
  int64_t now = clock_->NowMs();
  Call::Stream& st = *call->stream;
  st.last_byte_ms = now;
  std::string text;
  st.parser.Feed(bytes, [&](const SseEvent& e) {
    if (!st.state.failed) st.decoder->OnEvent(e, &st.state, &text);
  });
  if (st.state.failed) {
    // An error event mid-stream (Anthropic's overloaded_error, OpenAI's error chunk).
    http_->Cancel(call->http_id);
    call->http_id = 0;
    Answer partial = st.state.answer;
    std::string reason = st.state.reason + EstimateStreamUsage(*w, *call, &partial);
    EndCall(w, seq, st.state.failure, std::move(reason), 200, st.got_text ? &partial : nullptr,
            -1);
    return;
  }
  if (text.empty()) return;
  if (!st.got_text) {
    st.got_text = true;
    int64_t ttft = now - call->start_ms;
    w->attempts[static_cast<size_t>(seq)].ttft_ms = ttft;
    w->records[static_cast<size_t>(seq)].ttft_ms = ttft;
    first_token_policy_->Record(call->model, w->req.task, now, ttft, false,
                                w->route->timeout.window_s * 1000);
    if (call->timer_id) timers_->Stop(call->timer_id);
    call->timer_id = 0;
    std::string winner = call->model;
    // The first text decides the race: the client now has part of this model's answer.
    for (size_t i = 0; i < w->live.size();) {
      if (w->live[i].seq == seq) {
        ++i;
        continue;
      }
      CancelCall(w, w->live[i].seq, "lost the race to " + winner + " (its text came first)");
    }
    call = FindCall(walk_id, seq, &w);  // CancelCall moved the calls
    int64_t stall = std::min(w->route->timeout.stall_ms, std::max<int64_t>(1, w->deadline_at_ms - now));
    call->timer_id = timers_->Start(stall, [this, walk_id, seq] { OnStall(walk_id, seq); });
  }
  std::string clean;
  st.redact.Feed(text, &clean);
  st.relayed += clean;
  if (!clean.empty()) Relay(w, clean);
}

void Router::Relay(Walk* w, std::string_view text) {
  w->chunks_sent += 1;
  if (w->on_chunk) w->on_chunk(text);
}

void Router::OnStall(int64_t walk_id, int64_t seq) {
  Walk* w = nullptr;
  Call* call = FindCall(walk_id, seq, &w);
  if (!call) return;
  call->timer_id = 0;
  int64_t now = clock_->NowMs();
  int64_t quiet = now - call->stream->last_byte_ms;
  std::string reason;
  if (now >= w->deadline_at_ms) {
    reason = "the request's deadline passed mid-stream";
  } else if (quiet >= w->route->timeout.stall_ms) {
    reason = "stream stalled: no bytes for " + std::to_string(quiet) + " ms";
  } else {
    int64_t next = std::min(w->route->timeout.stall_ms - quiet, w->deadline_at_ms - now);
    call->timer_id = timers_->Start(next, [this, walk_id, seq] { OnStall(walk_id, seq); });
    return;
  }
  http_->Cancel(call->http_id);
  call->http_id = 0;
  Answer partial = call->stream->state.answer;
  reason += EstimateStreamUsage(*w, *call, &partial);
  EndCall(w, seq, Outcome::kTimeout, std::move(reason), 0, &partial, -1);
}

Router::Call* Router::FindCall(int64_t walk_id, int64_t seq, Walk** walk) {
  auto it = walks_.find(walk_id);
  if (it == walks_.end()) return nullptr;
  *walk = it->second.get();
  for (Call& c : (*walk)->live) {
    if (c.seq == seq) return &c;
  }
  return nullptr;
}

void Router::OnSoftTimeout(int64_t walk_id, int64_t seq) {
  Walk* w = nullptr;
  Call* call = FindCall(walk_id, seq, &w);
  if (!call) return;
  call->timer_id = 0;
  int64_t now = clock_->NowMs();
  bool can_hedge = w->route->on_soft_timeout == SoftTimeout::kHedge && w->live.size() == 1 &&
                   call->hard_at_ms > now && w->next_tier < w->route->tiers.size();
  if (can_hedge) {
    // Keep the slow call: the next tier races it, and the first good answer wins.
    call->past_soft = true;
    call->timer_id = timers_->Start(call->hard_at_ms - now,
                                    [this, walk_id, seq] { OnHardTimeout(walk_id, seq); });
    MoveOn(
        &w->moving_on, clock_->WallMs(), call->model, "hedge",
        "no answer within " + std::to_string(call->soft_timeout_ms) + " ms; still waiting for it");
    log_.Log(now, spdlog::level::info, "route " + w->route->name + ": " + call->model + " hedged",
             "route {}: {} slower than {} ms; hedging with the next tier", w->route->name,
             call->model, call->soft_timeout_ms);
    Launch(w);
    return;
  }
  http_->Cancel(call->http_id);
  call->http_id = 0;
  EndCall(w, seq, Outcome::kTimeout,
          "no answer within " + std::to_string(now - call->start_ms) + " ms", 0, nullptr, -1);
}

void Router::OnHardTimeout(int64_t walk_id, int64_t seq) {
  Walk* w = nullptr;
  Call* call = FindCall(walk_id, seq, &w);
  if (!call) return;
  call->timer_id = 0;
  http_->Cancel(call->http_id);
  call->http_id = 0;
  int64_t ran = clock_->NowMs() - call->start_ms;
  EndCall(w, seq, Outcome::kTimeout,
          "no answer within " + std::to_string(ran) + " ms (hard timeout)", 0, nullptr, -1);
}

void Router::EndCall(Walk* w, int64_t seq, Outcome outcome, std::string reason, int64_t http_status,
                     const Answer* answer, int64_t retry_after_ms) {
  auto it =
      std::find_if(w->live.begin(), w->live.end(), [seq](const Call& c) { return c.seq == seq; });
  Call call = std::move(*it);
  w->live.erase(it);
  if (call.timer_id) timers_->Stop(call.timer_id);
  ModelRuntime& rt = w->gen->models.at(call.model);
  --rt.health->in_flight;
  provider_slots_.at(rt.config->provider).Release(w->client);
  int64_t now = clock_->NowMs();

  AttemptReport& a = w->attempts[static_cast<size_t>(seq)];
  a.outcome = OutcomeName(outcome);
  a.latency_ms = now - call.start_ms;
  a.reason = call.retry && outcome == Outcome::kOk ? "retry" : std::move(reason);
  a.http_status = http_status;
  if (answer) {
    a.usage = answer->usage;
    a.cost_usd = CostUsd(*rt.config, answer->usage);
    w->cost_usd += a.cost_usd;
  }
  AttemptRecord& rec = w->records[static_cast<size_t>(seq)];
  rec.latency_ms = a.latency_ms;
  rec.outcome = a.outcome;
  rec.reason = a.reason;
  rec.http_status = a.http_status;
  rec.input_tokens = a.usage.input_tokens;
  rec.output_tokens = a.usage.output_tokens;
  rec.cost_usd = a.cost_usd;

  // Latency samples are answers and timeouts; a fast error says nothing about how long an
  // answer takes, and would drag the learned timeout down. A stream's sample is its first
  // text (taken when it came); one cut off before any came is a censored sample.
  if (call.stream) {
    if (outcome == Outcome::kTimeout && !call.stream->got_text) {
      first_token_policy_->Record(call.model, w->req.task, now, a.latency_ms, true,
                                  w->route->timeout.window_s * 1000);
    }
  } else if (outcome == Outcome::kOk || outcome == Outcome::kTimeout) {
    policy_->Record(call.model, w->req.task, now, a.latency_ms, outcome == Outcome::kTimeout,
                    w->route->timeout.window_s * 1000);
  }
  if (outcome == Outcome::kOk && answer) {
    calibration_->Observe(call.model, rec.est_tokens, answer->usage.input_tokens);
  }
  if (outcome == Outcome::kContextOverflow) {
    w->refused_window = std::max(w->refused_window, rt.config->context_window);
  }
  switch (VerdictOf(outcome, call.past_soft)) {
    case Verdict::kNone:
      rt.health->breaker->Release();
      break;
    case Verdict::kSuccess:
      Emit(call.model, rt.health->breaker->Record(now, CallResult::kSuccess));
      break;
    case Verdict::kSlowSuccess:
      Emit(call.model, rt.health->breaker->Record(now, CallResult::kSlowSuccess));
      break;
    case Verdict::kSlow:
      Emit(call.model, rt.health->breaker->Record(now, CallResult::kSlow));
      break;
    case Verdict::kFailure:
      Emit(call.model,
           rt.health->breaker->Record(now, CallResult::kFailure,
                                      outcome == Outcome::kRateLimited ? retry_after_ms : -1));
      break;
  }

  if (outcome == Outcome::kOk) {
    while (!w->live.empty()) CancelCall(w, w->live.front().seq, "lost the race to " + call.model);
    RouteResponse r;
    r.ok = true;
    r.result.model = call.model;
    r.result.content = answer->content;
    r.result.finish_reason = answer->finish_reason;
    r.result.usage = answer->usage;
    r.result.truncated = a.truncated;
    r.result.truncation = a.truncation;
    Finish(w, std::move(r));
    return;
  }
  if (w->chunks_sent > 0) {
    // Part of this answer is already with the client: another model's answer cannot be
    // spliced on, so the stream ends here, saying so.
    while (!w->live.empty()) CancelCall(w, w->live.front().seq, "the stream was cut");
    RouteResponse r;
    r.error.code = "partial_answer";
    r.error.message = "the answer is partial: " + std::to_string(w->chunks_sent) +
                      " chunk(s), " + std::to_string(call.stream ? call.stream->state.answer.content.size() : 0) +
                      " bytes were streamed before " + call.model + " failed (" + a.outcome +
                      (a.reason.empty() ? "" : ": " + a.reason) + ")";
    log_.Log(now, spdlog::level::warn, "route " + w->route->name + ": partial_answer",
             "route {}: {}", w->route->name, r.error.message);
    Finish(w, std::move(r));
    return;
  }
  if (outcome == Outcome::kClientError) {
    // Every model would refuse the same request the same way: the client must fix it.
    while (!w->live.empty()) CancelCall(w, w->live.front().seq, "the request was rejected");
    RouteResponse r;
    r.error.code = "request_rejected";
    r.error.http_status = http_status;
    r.error.message = call.model + " refused the request: " + a.reason;
    log_.Log(now, spdlog::level::warn,
             "route " + w->route->name + ": " + call.model + " refused the request",
             "route {}: {} refused the request as the client's fault: {}", w->route->name,
             call.model, a.reason);
    Finish(w, std::move(r));
    return;
  }
  log_.Log(now, spdlog::level::info, "route " + w->route->name + ": " + a.model + " " + a.outcome,
           "route {}: {} {} after {} ms{}{}", w->route->name, a.model, a.outcome, a.latency_ms,
               a.reason.empty() ? "" : ": ", a.reason);
  MoveOn(&w->moving_on, clock_->WallMs(), call.model, a.outcome, a.reason);
  if (MaybeRetry(w, call.model, outcome, retry_after_ms)) return;
  Launch(w);
}

bool Router::MaybeRetry(Walk* w, const std::string& model, Outcome outcome,
                        int64_t retry_after_ms) {
  int64_t wait_ms;
  if (outcome == Outcome::kConnectError) {
    wait_ms = 0;  // nothing reached the provider: a fresh connection costs it nothing
  } else if (outcome == Outcome::kRateLimited && retry_after_ms >= 0 &&
             retry_after_ms <= w->gen->config->retry.max_retry_after_ms) {
    wait_ms = retry_after_ms;
  } else {
    return false;
  }
  int64_t now = clock_->NowMs();
  if (w->retried || w->calls_made >= MaxAttempts(*w->route) || now + wait_ms >= w->deadline_at_ms ||
      !retry_budget_.TryRetry(now)) {
    return false;
  }
  w->retried = true;
  int64_t walk_id = w->id;
  auto go = [this, walk_id, model] {
    auto it = walks_.find(walk_id);
    if (it == walks_.end()) return;
    Walk* w = it->second.get();
    w->retry_timer = 0;
    ModelRuntime& rt = w->gen->models.at(model);
    BreakerTransition t;
    bool allowed = rt.health->breaker->Allow(clock_->NowMs(), &t);
    Emit(model, t);
    if (!allowed) {
      Skip(w, model, Outcome::kBreakerOpen, "retry refused: breaker open");
      Launch(w);
      return;
    }
    Prepared prepared;
    std::string why;
    if (!Prepare(w, model, &prepared, &why)) {  // it fitted the first time; the same again
      rt.health->breaker->Release();
      Skip(w, model, Outcome::kContextOverflow, std::move(why));
      Launch(w);
      return;
    }
    if (!TakeSlot(w, rt)) {
      rt.health->breaker->Release();
      Launch(w);
      return;
    }
    StartCall(w, model, true, std::move(prepared));
  };
  log_.Log(now, spdlog::level::info, "route " + w->route->name + ": retrying " + model,
           "route {}: retrying {} in {} ms", w->route->name, model, wait_ms);
  if (wait_ms == 0) {
    go();
  } else {
    w->retry_timer = timers_->Start(wait_ms, go);
  }
  return true;
}

void Router::CancelCall(Walk* w, int64_t seq, const std::string& reason) {
  auto it =
      std::find_if(w->live.begin(), w->live.end(), [seq](const Call& c) { return c.seq == seq; });
  if (it == w->live.end()) return;
  Call call = std::move(*it);
  w->live.erase(it);
  if (call.http_id) http_->Cancel(call.http_id);
  if (call.timer_id) timers_->Stop(call.timer_id);
  ModelRuntime& rt = w->gen->models.at(call.model);
  --rt.health->in_flight;
  provider_slots_.at(rt.config->provider).Release(w->client);
  int64_t now = clock_->NowMs();
  AttemptReport& a = w->attempts[static_cast<size_t>(seq)];
  // A call past its soft timeout had timed out already; it was only kept in case it won.
  a.outcome = OutcomeName(call.past_soft ? Outcome::kTimeout : Outcome::kCancelled);
  a.latency_ms = now - call.start_ms;
  // The provider has the prompt and bills it even though nobody reads the answer: count the
  // input at the estimate, since no usage will ever come back for it.
  a.usage.input_tokens = w->records[static_cast<size_t>(seq)].tokens_after;
  a.cost_usd = CostUsd(*rt.config, a.usage);
  a.reason = reason + " (input tokens and cost estimated)";
  w->cost_usd += a.cost_usd;
  AttemptRecord& rec = w->records[static_cast<size_t>(seq)];
  rec.latency_ms = a.latency_ms;
  rec.outcome = a.outcome;
  rec.reason = a.reason;
  rec.input_tokens = a.usage.input_tokens;
  rec.cost_usd = a.cost_usd;
  if (call.past_soft) {
    // It had already overrun its timeout: a slow call, and a censored latency sample.
    (call.stream ? first_token_policy_ : policy_)
        ->Record(call.model, w->req.task, now, a.latency_ms, true,
                 w->route->timeout.window_s * 1000);
    Emit(call.model, rt.health->breaker->Record(now, CallResult::kSlow));
  } else {
    rt.health->breaker->Release();
  }
}

std::string Router::EstimateStreamUsage(const Walk& w, const Call& c, Answer* a) const {
  bool estimated = false;
  if (a->usage.input_tokens == 0) {
    a->usage.input_tokens = w.records[static_cast<size_t>(c.seq)].tokens_after;
    estimated = true;
  }
  if (a->usage.output_tokens == 0 && !a->content.empty()) {
    a->usage.output_tokens = EstimateTextTokens(a->content);
    estimated = true;
  }
  return estimated ? " (usage estimated: the provider reported none)" : "";
}

void Router::FinishFailed(Walk* w) {
  int64_t now = clock_->NowMs();
  bool out_of_time = now >= w->deadline_at_ms;
  RouteResponse r;
  if (w->calls_made == 0 && !w->refused_for_capacity.empty()) {
    // Nothing was wrong with a model: the daemon had no room for this request. A client that
    // backs off and retries will be served.
    r.error.code = "overloaded";
    r.error.message = "no tier of route '" + w->route->name + "' could take it now: " +
                      w->refused_for_capacity;
  } else if (out_of_time) {
    r.error.code = "deadline_exceeded";
    r.error.message =
        "the request's deadline passed after " + std::to_string(w->calls_made) + " call(s)";
  } else {
    r.error.code = "all_models_failed";
    r.error.message = "every tier of route '" + w->route->name + "' failed";
  }
  if (!w->attempts.empty() && r.error.code != "overloaded") {
    const AttemptReport& last = w->attempts.back();
    r.error.message += "; last: " + last.model + " " + last.outcome +
                       (last.reason.empty() ? "" : " (" + last.reason + ")");
  }
  log_.Log(now, spdlog::level::warn, "route " + w->route->name + ": " + r.error.code,
           "route {}: {} after {} call(s), {} tier(s) skipped", w->route->name, r.error.code,
           w->calls_made, static_cast<int64_t>(w->attempts.size()) - w->calls_made);
  Finish(w, std::move(r));
}

void Router::Finish(Walk* w, RouteResponse&& response) {
  auto node = walks_.extract(w->id);
  std::unique_ptr<Walk> owned = std::move(node.mapped());
  auto held = client_walks_.find(w->client);
  if (held != client_walks_.end() && --held->second == 0) client_walks_.erase(held);
  if (w->retry_timer) timers_->Stop(w->retry_timer);
  AddSpend(*w);
  // The walk ends here: its attempts move into the answer and its records into the history.
  if (store_) Remember(w, response);
  if (response.ok) {
    response.result.request_id = w->id;
    response.result.latency_ms = clock_->NowMs() - w->start_ms;
    response.result.cost_usd = w->cost_usd;
    response.result.attempts = std::move(w->attempts);
  } else {
    response.error.request_id = w->id;
    response.error.attempts = std::move(w->attempts);
  }
  w->done(std::move(response));
}

void Router::Remember(Walk* walk, const RouteResponse& response) {
  Walk& w = *walk;
  RequestRecord r;
  r.id = w.id;
  r.ts_ms = w.wall_start_ms;
  r.route = w.route->name;
  r.task = w.req.task;
  r.latency_ms = clock_->NowMs() - w.start_ms;
  r.cost_usd = w.cost_usd;
  if (response.ok) {
    r.outcome = "ok";
    r.served_by = response.result.model;
    r.input_tokens = response.result.usage.input_tokens;
    r.output_tokens = response.result.usage.output_tokens;
    r.truncated = response.result.truncated;
  } else {
    r.outcome = response.error.code;
    r.error = response.error.message;
  }
  r.attempts = std::move(w.records);
  r.fallbacks = std::move(w.fallbacks);
  store_->RecordRequest(std::move(r));
}

void Router::AddSpend(const Walk& w) {
  if (w.cost_usd <= 0) return;
  const RouteConfig& route = *w.route;
  bool was_over = OverBudget(route, w.wall_start_ms);
  spend_->Add(route.name, w.wall_start_ms, w.cost_usd);
  if (!was_over && OverBudget(route, w.wall_start_ms)) {
    spdlog::warn("route {}: spent ${:.4f} of its ${:.4f} daily budget; until 00:00 UTC its "
                 "requests start at {}",
                 route.name, spend_->Spent(route.name, w.wall_start_ms), route.budget_usd_per_day,
                 route.over_budget_tier);
  }
}

bool Router::OverBudget(const RouteConfig& route, int64_t wall_ms) const {
  return route.budget_usd_per_day > 0 &&
         spend_->Spent(route.name, wall_ms) >= route.budget_usd_per_day;
}

void Router::AbortAll(const std::string& code, const std::string& message) {
  while (!walks_.empty()) {
    Walk* w = walks_.begin()->second.get();
    // Calls in progress are abandoned, and kept in the history as such.
    while (!w->live.empty()) CancelCall(w, w->live.front().seq, message);
    Finish(w, Error(code, message));
  }
}

void Router::RestoreBreaker(const std::string& model, int64_t open_until_wall_ms,
                            int64_t cooldown_ms) {
  auto it = health_.find(model);
  if (it == health_.end()) return;
  int64_t left = open_until_wall_ms - clock_->WallMs();
  if (left <= 0) return;
  it->second->breaker->RestoreOpen(clock_->NowMs() + left, cooldown_ms);
  spdlog::info("breaker {}: restored open from the history; half-opens in {} ms", model, left);
}

void Router::FillStatus(StatusResult* out) {
  int64_t now = clock_->NowMs();
  std::vector<TimeoutPolicy::KeyStats> learned = policy_->Stats(now);
  for (auto& [name, rt] : gen_->models) {
    ModelStatus ms;
    ms.name = name;
    ms.provider = rt.config->provider;
    ms.breaker = BreakerStateName(rt.health->breaker->state());
    ms.failure_rate = rt.health->breaker->failure_rate(now);
    ms.slow_call_rate = rt.health->breaker->slow_rate(now);
    ms.window_calls = rt.health->breaker->calls(now);
    if (rt.health->breaker->state() == BreakerState::kOpen) {
      ms.half_open_in_ms = std::max<int64_t>(0, rt.health->breaker->open_until_ms() - now);
    }
    ms.in_flight = rt.health->in_flight;
    // Timeouts as the first route that uses this model would give them.
    const RouteConfig* route = nullptr;
    for (const auto& [rname, r] : gen_->config->routes) {
      if (std::find(r.tiers.begin(), r.tiers.end(), name) != r.tiers.end()) {
        route = &r;
        break;
      }
    }
    TimeoutParams params = route ? ParamsOf(*route) : TimeoutParams();
    ms.timeout_ms = policy_->TimeoutFor(name, "default", now, params);
    for (const TimeoutPolicy::KeyStats& k : learned) {
      if (k.model != name) continue;
      TaskStatus ts;
      ts.task = k.task;
      ts.samples = static_cast<int64_t>(k.samples);
      ts.p50_ms = k.p50_ms;
      ts.p95_ms = k.p95_ms;
      ts.timeout_ms = policy_->TimeoutFor(name, k.task, now, params);
      ms.tasks.push_back(std::move(ts));
    }
    out->models.push_back(std::move(ms));
  }
  int64_t wall = clock_->WallMs();
  for (const auto& [name, r] : gen_->config->routes) {
    RouteStatus rs;
    rs.name = name;
    rs.budget_usd_per_day = r.budget_usd_per_day;
    rs.spent_today_usd = spend_->Spent(name, wall);
    rs.over_budget = OverBudget(r, wall);
    rs.start_tier = rs.over_budget ? r.over_budget_tier : r.tiers.front();
    out->routes.push_back(std::move(rs));
  }
}

}  // namespace switchyard
