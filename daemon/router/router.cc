#include "router/router.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "providers/json_writer.h"

namespace switchyard {

struct Router::Walk {
  int64_t id = 0;  // the request id in the history
  int64_t wall_start_ms = 0;
  CompleteRequest req;
  std::shared_ptr<const Config> config;  // the config the request started under
  const RouteConfig* route = nullptr;
  Done done;
  int64_t start_ms = 0;
  int64_t deadline_at_ms = 0;
  size_t next_tier = 0;
  // The attempt in progress.
  std::string model;
  int64_t attempt_start_ms = 0;
  int64_t attempt_wall_start_ms = 0;
  int64_t attempt_timeout_ms = 0;
  HttpClient::Id http_id = 0;
  Timers::Id timer_id = 0;
  std::vector<AttemptReport> attempts;
  std::vector<AttemptRecord> records;  // the same attempts, as the history keeps them
  double cost_usd = 0;
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

}  // namespace

Router::Router(std::shared_ptr<const Config> config, const RouterContext& ctx)
    : config_(std::move(config)),
      http_(ctx.http),
      timers_(ctx.timers),
      clock_(ctx.clock),
      policy_(ctx.policy),
      store_(ctx.store),
      next_request_id_(ctx.first_request_id) {
  for (const auto& [name, p] : config_->providers) {
    ProviderEndpoint ep{p.base_url, p.api_key};
    providers_[name] = p.kind == ProviderKind::kAnthropic ? MakeAnthropicProvider(std::move(ep))
                                                          : MakeOpenAIProvider(std::move(ep));
  }
  for (const auto& [name, m] : config_->models) {
    ModelRuntime& rt = models_[name];
    rt.config = &m;
    rt.provider_config = &config_->providers.at(m.provider);
    rt.provider = providers_.at(m.provider).get();
  }
}

Router::~Router() { AbortAll("shutting_down", "the daemon is stopping"); }

void Router::Complete(CompleteRequest req, Done done) {
  auto route_it = config_->routes.find(req.route);
  if (route_it == config_->routes.end()) {
    done(Error("no_route", "no route named '" + req.route + "'"));
    return;
  }
  for (size_t i = 0; i < req.messages.size(); ++i) {
    if (!IsValidUtf8(req.messages[i].content)) {
      done(Error("bad_request", "messages[" + std::to_string(i) + "].content: not valid UTF-8"));
      return;
    }
  }
  auto w = std::make_unique<Walk>();
  w->id = next_request_id_++;
  w->wall_start_ms = clock_->WallMs();
  w->config = config_;
  w->route = &route_it->second;
  w->done = std::move(done);
  w->start_ms = clock_->NowMs();
  int64_t deadline = req.deadline_ms > 0 ? req.deadline_ms : w->route->deadline_ms;
  w->deadline_at_ms = w->start_ms + deadline;
  w->req = std::move(req);
  Walk* raw = w.get();
  walks_.emplace(raw->id, std::move(w));
  NextTier(raw);
}

int64_t Router::AttemptTimeoutMs(const Walk& w, const std::string& model) {
  return policy_->TimeoutFor(model, w.req.task, clock_->NowMs(), ParamsOf(*w.route));
}

void Router::NextTier(Walk* w) {
  while (w->next_tier < w->route->tiers.size()) {
    int64_t now = clock_->NowMs();
    int64_t remaining = w->deadline_at_ms - now;
    if (remaining <= 0) break;
    const std::string& name = w->route->tiers[w->next_tier++];
    ModelRuntime& rt = models_.at(name);
    int64_t max_tokens = std::min(w->req.max_tokens, rt.config->max_output_tokens);
    HttpCallSpec call = rt.provider->Build(rt.config->id, w->req, max_tokens);
    int64_t timeout = std::min(AttemptTimeoutMs(*w, name), remaining);
    HttpRequest hr;
    hr.url = std::move(call.url);
    hr.headers = std::move(call.headers);
    hr.body = std::move(call.body);
    // The router's timer decides; curl's own limit is only a backstop a little later.
    hr.timeout_ms = timeout + 1000;
    hr.connect_timeout_ms = std::min(rt.provider_config->connect_timeout_ms, timeout);
    int64_t walk_id = w->id;
    w->model = name;
    w->attempt_start_ms = now;
    w->attempt_wall_start_ms = clock_->WallMs();
    w->attempt_timeout_ms = timeout;
    w->http_id = http_->Start(std::move(hr), [this, walk_id](HttpResponse&& resp) {
      OnHttpDone(walk_id, std::move(resp));
    });
    if (w->http_id == 0) {
      AttemptReport a;
      a.model = name;
      a.outcome = OutcomeName(Outcome::kTransportError);
      a.reason = "could not start the HTTP request";
      AttemptRecord rec;
      rec.ts_ms = w->attempt_wall_start_ms;
      rec.model = name;
      rec.outcome = a.outcome;
      rec.reason = a.reason;
      rec.timeout_ms = timeout;
      w->records.push_back(std::move(rec));
      w->attempts.push_back(std::move(a));
      continue;
    }
    ++rt.in_flight;
    w->timer_id = timers_->Start(timeout, [this, walk_id] { OnAttemptTimeout(walk_id); });
    return;
  }
  bool out_of_time = clock_->NowMs() >= w->deadline_at_ms;
  RouteResponse r;
  if (out_of_time) {
    r.error.code = "deadline_exceeded";
    r.error.message = "the request's deadline passed after " + std::to_string(w->attempts.size()) +
                      " attempt(s)";
  } else {
    r.error.code = "all_models_failed";
    r.error.message = "every tier of route '" + w->route->name + "' failed";
  }
  spdlog::warn("route {}: {} after {} attempt(s)", w->route->name, r.error.code, w->attempts.size());
  if (!w->attempts.empty()) {
    const AttemptReport& last = w->attempts.back();
    r.error.message += "; last: " + last.model + " " + last.outcome +
                       (last.reason.empty() ? "" : " (" + last.reason + ")");
  }
  Finish(w, std::move(r));
}

void Router::OnHttpDone(int64_t walk_id, HttpResponse&& resp) {
  auto it = walks_.find(walk_id);
  if (it == walks_.end()) return;
  Walk* w = it->second.get();
  w->http_id = 0;
  if (resp.error != TransportError::kNone) {
    EndAttempt(w, FromTransport(resp.error), resp.error_message, resp.status, nullptr);
    return;
  }
  const ModelRuntime& rt = models_.at(w->model);
  HttpReply reply;
  reply.status = resp.status;
  reply.body = resp.body;
  reply.body_capacity = resp.body.capacity();
  reply.retry_after = resp.retry_after;
  reply.retry_after_ms = resp.retry_after_ms;
  reply.wall_now_ms = clock_->WallMs();
  ParsedResponse parsed = rt.provider->Parse(reply);
  EndAttempt(w, parsed.outcome, std::move(parsed.reason), resp.status, &parsed.answer);
}

void Router::OnAttemptTimeout(int64_t walk_id) {
  auto it = walks_.find(walk_id);
  if (it == walks_.end()) return;
  Walk* w = it->second.get();
  w->timer_id = 0;
  http_->Cancel(w->http_id);
  w->http_id = 0;
  int64_t ran = clock_->NowMs() - w->attempt_start_ms;
  EndAttempt(w, Outcome::kTimeout, "no answer within " + std::to_string(ran) + " ms", 0, nullptr);
}

const AttemptReport& Router::RecordAttempt(Walk* w, Outcome outcome, std::string reason,
                                           int64_t http_status, const Answer* answer) {
  if (w->timer_id) timers_->Stop(w->timer_id);
  w->timer_id = 0;
  ModelRuntime& rt = models_.at(w->model);
  --rt.in_flight;
  AttemptReport a;
  a.model = w->model;
  a.outcome = OutcomeName(outcome);
  a.latency_ms = clock_->NowMs() - w->attempt_start_ms;
  a.reason = std::move(reason);
  a.http_status = http_status;
  if (answer) {
    a.usage = answer->usage;
    a.cost_usd = CostUsd(*rt.config, answer->usage);
    w->cost_usd += a.cost_usd;
  }
  w->attempts.push_back(std::move(a));
  const AttemptReport& rep = w->attempts.back();
  AttemptRecord rec;
  rec.ts_ms = w->attempt_wall_start_ms;
  rec.model = rep.model;
  rec.latency_ms = rep.latency_ms;
  rec.outcome = rep.outcome;
  rec.reason = rep.reason;
  rec.http_status = rep.http_status;
  rec.input_tokens = rep.usage.input_tokens;
  rec.output_tokens = rep.usage.output_tokens;
  rec.cost_usd = rep.cost_usd;
  rec.timeout_ms = w->attempt_timeout_ms;
  w->records.push_back(std::move(rec));
  // Latency samples are answers and timeouts; a fast error says nothing about how long an
  // answer takes, and would drag the learned timeout down.
  if (outcome == Outcome::kOk || outcome == Outcome::kTimeout) {
    policy_->Record(w->model, w->req.task, clock_->NowMs(), rep.latency_ms,
                    outcome == Outcome::kTimeout, w->route->timeout.window_s * 1000);
  }
  return w->attempts.back();
}

void Router::EndAttempt(Walk* w, Outcome outcome, std::string reason, int64_t http_status,
                        const Answer* answer) {
  const AttemptReport& a = RecordAttempt(w, outcome, std::move(reason), http_status, answer);
  if (outcome == Outcome::kOk) {
    RouteResponse r;
    r.ok = true;
    r.result.model = w->model;
    r.result.content = answer->content;
    r.result.finish_reason = answer->finish_reason;
    r.result.usage = answer->usage;
    Finish(w, std::move(r));
    return;
  }
  if (outcome == Outcome::kClientError) {
    // Every model would refuse the same request the same way: the client must fix it.
    RouteResponse r;
    r.error.code = "request_rejected";
    r.error.http_status = http_status;
    r.error.message = w->model + " refused the request: " + a.reason;
    spdlog::warn("route {}: {} refused the request as the client's fault: {}", w->route->name,
                 w->model, a.reason);
    Finish(w, std::move(r));
    return;
  }
  // NOTE: one line per failed attempt; under a sustained outage this is one line per request
  // per broken tier, which the breaker (next) will cut to one per transition.
  spdlog::info("route {}: {} {} after {} ms{}{}", w->route->name, a.model, a.outcome, a.latency_ms,
               a.reason.empty() ? "" : ": ", a.reason);
  NextTier(w);
}

void Router::Finish(Walk* w, RouteResponse&& response) {
  auto node = walks_.extract(w->id);
  std::unique_ptr<Walk> owned = std::move(node.mapped());
  if (response.ok) {
    response.result.request_id = w->id;
    response.result.latency_ms = clock_->NowMs() - w->start_ms;
    response.result.cost_usd = w->cost_usd;
    response.result.attempts = std::move(w->attempts);
  } else {
    response.error.request_id = w->id;
    response.error.attempts = std::move(w->attempts);
  }
  if (store_) Remember(*w, response);
  w->done(std::move(response));
}

void Router::Remember(const Walk& w, const RouteResponse& response) {
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
  r.attempts = w.records;
  store_->RecordRequest(std::move(r));
}

void Router::AbortAll(const std::string& code, const std::string& message) {
  while (!walks_.empty()) {
    Walk* w = walks_.begin()->second.get();
    if (w->http_id) {
      // The attempt in progress is abandoned, and kept in the history as such.
      http_->Cancel(w->http_id);
      w->http_id = 0;
      RecordAttempt(w, Outcome::kCancelled, message, 0, nullptr);
    }
    Finish(w, Error(code, message));
  }
}

void Router::FillStatus(StatusResult* out) {
  int64_t now = clock_->NowMs();
  std::vector<TimeoutPolicy::KeyStats> learned = policy_->Stats(now);
  for (const auto& [name, rt] : models_) {
    ModelStatus ms;
    ms.name = name;
    ms.provider = rt.config->provider;
    ms.breaker = "closed";
    ms.in_flight = rt.in_flight;
    // Timeouts as the first route that uses this model would give them.
    const RouteConfig* route = nullptr;
    for (const auto& [rname, r] : config_->routes) {
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
}

}  // namespace switchyard
