#include "router/walk.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "prompt/token_estimate.h"
#include "router/call_request.h"
#include "router/fallback_answer.h"
#include "router/params.h"
#include "router/walk_call.h"

namespace switchyard {

namespace {

RouteResponse Error(std::string code, std::string message) {
  RouteResponse r;
  r.error.code = std::move(code);
  r.error.message = std::move(message);
  return r;
}

}  // namespace

Walk::Walk(WalkEnv* env, Params p)
    : env_(env),
      id_(p.id),
      origin_(p.origin),
      req_(std::move(p.req)),
      gen_(std::move(p.gen)),
      route_(p.route),
      done_(std::move(p.done)),
      wall_start_ms_(env->clock().WallMs()),
      start_ms_(env->clock().NowMs()),
      next_tier_(p.first_tier),
      raw_tokens_(EstimateRequestTokens(req_)),
      has_images_(HasImages(req_.messages)),
      has_tools_(!req_.tools.empty() || HasToolTurns(req_.messages)) {
  int64_t deadline = req_.deadline_ms > 0 ? req_.deadline_ms : route_->deadline_ms;
  deadline_at_ms_ = start_ms_ + deadline;
  if (req_.stream) on_chunk_ = std::move(p.on_chunk);
}

Walk::~Walk() = default;

void Walk::Skip(const std::string& model, Outcome why, std::string reason) {
  tried_.Skipped(model, why, std::move(reason), env_->clock().WallMs());
}

void Walk::Launch() {
  while (next_tier_ < route_->tiers.size()) {
    int64_t now = env_->clock().NowMs();
    if (now >= deadline_at_ms_ || calls_made_ >= MaxAttempts(*route_)) break;
    const std::string& name = route_->tiers[next_tier_++];
    ModelRuntime& rt = gen_->models.at(name);
    FittedPrompt prepared;
    std::string why;
    if (!Capable(rt, &why)) {
      Skip(name, Outcome::kUnsupported, std::move(why));
      continue;
    }
    if (!Prepare(rt, &prepared, &why)) {
      Skip(name, Outcome::kContextOverflow, std::move(why));
      continue;
    }
    if (ProbeAside(name, rt, prepared)) continue;
    BreakerTransition t;
    bool allowed = rt.health->Admit(now, &t);
    env_->BreakerMoved(name, t);
    if (!allowed) {
      Skip(name, Outcome::kBreakerOpen, rt.health->Refusal(now));
      continue;
    }
    if (!TakeSlot(rt)) {
      rt.health->Unadmit();
      continue;
    }
    StartCall(name, false, std::move(prepared));
    return;
  }
  if (live_.empty() && retry_timer_ == 0) FinishFailed();
}

bool Walk::ProbeAside(const std::string& name, ModelRuntime& rt, FittedPrompt& prepared) {
  int64_t now = env_->clock().NowMs();
  Breaker& breaker = rt.health->breaker();
  // Nothing after this tier: the request itself is the probe, its last hope.
  if (breaker.state() == BreakerState::kClosed || !breaker.WouldAllow(now) ||
      !AnotherTierCallable(now)) {
    return false;
  }
  // Past the route's extra-load budget the request itself probes, as before probes had
  // copies: cut off at the healthy timeout (frozen while the breaker is not closed), it costs
  // its user no more than a timeout and a fallback.
  if (!env_->extra_load(route_->name).TryRetry(now)) return false;
  BreakerTransition t;
  rt.health->Admit(now, &t);  // the probe's slot
  env_->BreakerMoved(name, t);
  Prober::Request r;
  r.gen = gen_;
  r.route = route_;
  r.model = name;
  r.req = req_;
  r.prompt = prepared;
  r.request_id = id_;
  r.healthy_timeout_ms =
      env_->policy().TimeoutFor(name, req_.task, now, TimeoutParamsOf(*route_), false).ms;
  env_->StartProbe(std::move(r));
  Skip(name, Outcome::kBreakerOpen,
       "breaker half-open: a copy of this request probes it, and nobody waits on that");
  return true;
}

bool Walk::AnotherTierCallable(int64_t now) {
  if (now >= deadline_at_ms_ || calls_made_ >= MaxAttempts(*route_)) return false;
  for (size_t i = next_tier_; i < route_->tiers.size(); ++i) {
    ModelRuntime& rt = gen_->models.at(route_->tiers[i]);
    FittedPrompt unused;
    std::string why;
    if (rt.health->breaker().WouldAllow(now) && Capable(rt, &why) &&
        env_->slots(rt.config->provider).in_flight() <
            env_->slots(rt.config->provider).capacity() &&
        Prepare(rt, &unused, &why)) {
      return true;
    }
  }
  return false;
}

bool Walk::TakeSlot(const ModelRuntime& rt) {
  const std::string& provider = rt.config->provider;
  ProviderSlots& slots = env_->slots(provider);
  ProviderSlots::Result got = slots.Take(origin_.client);
  if (got.verdict == ProviderSlots::Verdict::kTaken) return true;
  std::string why = got.verdict == ProviderSlots::Verdict::kOverShare
                        ? "this client's share of " + provider + " is taken: it holds " +
                              std::to_string(got.held) + " of its " +
                              std::to_string(slots.capacity()) +
                              " slots, its fair share now with " +
                              std::to_string(slots.in_flight()) + " in flight"
                        : provider + " has " + std::to_string(slots.in_flight()) +
                              " calls in flight, its " + "max_in_flight";
  refused_for_capacity_ = why;
  Skip(rt.config->name, Outcome::kOverloaded, std::move(why));
  return false;
}

namespace {

// What a request may need of a model, each a key of [models.NAME].
struct Need {
  bool ModelConfig::*has;
  const char* key;
  const char* asks;  // what the request holds
  const char* verb;  // what a model must do with it
};
constexpr Need kNeeds[] = {
    {&ModelConfig::vision, "vision", "the request holds images", "see them"},
    {&ModelConfig::tools, "tools", "the request holds tools", "call them"},
    {&ModelConfig::json_schema, "json_schema", "the request asks for a json_schema answer",
     "follow one"},
};

}  // namespace

bool Walk::Needs(size_t need) const {
  return need == 0 ? has_images_ : need == 1 ? has_tools_ : !req_.json_schema.schema.empty();
}

bool Walk::Capable(const ModelRuntime& rt, std::string* why) const {
  const ModelConfig& m = *rt.config;
  for (size_t i = 0; i < std::size(kNeeds); ++i) {
    const Need& n = kNeeds[i];
    if (Needs(i) && !(m.*n.has)) {
      *why =
          std::string(n.asks) + " and " + m.name + " cannot " + n.verb + " (" + n.key + " = false)";
      return false;
    }
  }
  *why = rt.provider->CannotCarry(req_);
  return why->empty();
}

std::string Walk::NoTierCan() const {
  for (size_t i = 0; i < std::size(kNeeds); ++i) {
    const Need& n = kNeeds[i];
    if (!Needs(i)) continue;
    bool any = false;
    for (const std::string& tier : route_->tiers) any = any || gen_->models.at(tier).config->*n.has;
    if (!any) {
      return std::string(n.asks) + " and no tier of route '" + route_->name + "' can " + n.verb +
             " (set " + n.key + " = true on a model that can)";
    }
  }
  return "";
}

bool Walk::Prepare(const ModelRuntime& rt, FittedPrompt* p, std::string* why) {
  return FitToModel(*rt.config, req_, raw_tokens_, refused_window_, route_->on_context_overflow,
                    env_->calibration(), p, why);
}

void Walk::StartCall(const std::string& name, bool retry, FittedPrompt&& p) {
  ModelRuntime& rt = gen_->models.at(name);
  int64_t now = env_->clock().NowMs();
  int64_t remaining = deadline_at_ms_ - now;
  Call c;
  c.seq = tried_.attempt_count();
  c.model = name;
  c.start_ms = now;
  c.retry = retry;
  bool stream = req_.stream;
  // A stream's soft timeout is on its first text; once text flows, only a stall or the
  // deadline ends it.
  bool closed = rt.health->breaker().state() == BreakerState::kClosed;
  int64_t learned =
      stream ? env_->first_token_policy()
                   .TimeoutFor(name, req_.task, now, FirstTokenParamsOf(*route_), closed)
                   .ms
             : env_->policy().TimeoutFor(name, req_.task, now, TimeoutParamsOf(*route_), closed).ms;
  c.soft_timeout_ms = std::min(learned, remaining);
  c.learned_cutoff = c.soft_timeout_ms == learned;
  // A call may outlive its soft timeout (a hedge, or the last tier that can be called), up to
  // the ceiling or the deadline.
  c.hard_at_ms =
      std::min(now + std::max(route_->timeout.ceiling_ms, c.soft_timeout_ms), deadline_at_ms_);
  HttpRequest hr =
      CallRequest(rt, req_, p, (stream ? deadline_at_ms_ : c.hard_at_ms) - now, c.soft_timeout_ms);
  int64_t seq = c.seq;
  if (stream) {
    c.relay = std::make_unique<StreamRelay>(rt.provider->NewStreamDecoder(req_), env_->redactor());
    hr.on_data = [env = env_, id = id_, seq](std::string_view bytes) {
      if (Walk* w = env->Find(id)) w->OnStreamData(seq, bytes);
    };
  }

  Attempt a;
  a.model = name;
  a.wall_start_ms = env_->clock().WallMs();
  a.timeout_ms = c.soft_timeout_ms;
  a.stream = stream;
  a.truncated = p.truncated;
  a.truncation = p.truncation;
  a.est_tokens = p.est_tokens;
  a.tokens_before = p.tokens_before;
  a.tokens_after = p.tokens_after;
  if (retry) a.reason = "retry";
  tried_.Began(std::move(a));
  ++calls_made_;
  if (route_->keep_fallback_answers && p.truncated) c.sent_messages = std::move(p.messages);

  c.http_id = env_->http().Start(std::move(hr), [env = env_, id = id_, seq](HttpResponse&& resp) {
    if (env->tails().Claim(id, seq, resp)) return;
    if (Walk* w = env->Find(id)) w->OnHttpDone(seq, std::move(resp));
  });
  rt.health->Started();
  if (c.http_id == 0) {
    live_.push_back(std::move(c));
    EndCall(seq, Outcome::kTransportError, "could not start the HTTP request", 0, nullptr, -1);
    return;
  }
  c.timer_id =
      env_->timers().Start(c.soft_timeout_ms, Later([seq](Walk* w) { w->OnSoftTimeout(seq); }));
  live_.push_back(std::move(c));
}

void Walk::EndCall(int64_t seq, Outcome outcome, std::string reason, int64_t http_status,
                   const Answer* answer, int64_t retry_after_ms) {
  auto it = std::find_if(live_.begin(), live_.end(), [seq](const Call& c) { return c.seq == seq; });
  Call call = std::move(*it);
  live_.erase(it);
  if (call.timer_id) env_->timers().Stop(call.timer_id);
  ModelRuntime& rt = gen_->models.at(call.model);
  env_->slots(rt.config->provider).Release(origin_.client);
  int64_t now = env_->clock().NowMs();

  Attempt& a = tried_.at(seq);
  a.outcome = OutcomeName(outcome);
  a.latency_ms = now - call.start_ms;
  a.reason = call.retry && outcome == Outcome::kOk ? "retry" : std::move(reason);
  a.http_status = http_status;
  if (answer) {
    a.tool_calls = static_cast<int64_t>(answer->tool_calls.size());
    a.usage = answer->usage;
    a.cost_usd = CostUsd(*rt.config, answer->usage);
    cost_usd_ += a.cost_usd;
  }

  // Latency samples are answers and timeouts; a fast error says nothing about how long an
  // answer takes, and would drag the learned timeout down. A stream's sample is its first
  // text (taken when it came); one cut off before any came is a censored sample.
  int64_t window_ms = route_->timeout.window_s * 1000;
  if (call.relay) {
    if (outcome == Outcome::kTimeout && !call.got_text) RecordCensored(call, now);
  } else if (outcome == Outcome::kOk) {
    env_->policy().Record(call.model, req_.task, now, a.latency_ms, false, window_ms);
  } else if (outcome == Outcome::kTimeout && !call.kept_running) {
    RecordCensored(call, now);  // a call kept running gives its sample when it ends
  }
  if (outcome == Outcome::kOk && answer) {
    env_->calibration().Observe(call.model, a.est_tokens, answer->usage.input_tokens);
  }
  if (outcome == Outcome::kContextOverflow) {
    refused_window_ = std::max(refused_window_, rt.config->context_window);
  }
  // The last hope was kept on purpose: an answer from it is slow, not a failure of the model.
  bool slow = call.past_soft && !(call.last_hope && outcome == Outcome::kOk);
  env_->BreakerMoved(call.model, rt.health->Ended(now, outcome, slow, retry_after_ms));

  if (outcome == Outcome::kOk) {
    served_messages_ = std::move(call.sent_messages);
    CancelAll("lost the race to " + call.model);
    RouteResponse r;
    r.ok = true;
    r.result.model = call.model;
    r.result.content = answer->content;
    r.result.tool_calls = answer->tool_calls;
    r.result.finish_reason = answer->finish_reason;
    r.result.usage = answer->usage;
    r.result.truncated = a.truncated;
    r.result.truncation = a.truncation;
    Finish(std::move(r));
    return;
  }
  LogLimiter& log = env_->log();
  if (chunks_sent_ > 0) {
    // Part of this answer is already with the client: another model's answer cannot be
    // spliced on, so the stream ends here, saying so.
    CancelAll("the stream was cut");
    RouteResponse r;
    r.error.code = "partial_answer";
    r.error.message = "the answer is partial: " + std::to_string(chunks_sent_) + " chunk(s), " +
                      std::to_string(call.relay ? call.relay->state().answer.content.size() : 0) +
                      " bytes were streamed before " + call.model + " failed (" + a.outcome +
                      (a.reason.empty() ? "" : ": " + a.reason) + ")";
    log.Log(now, spdlog::level::warn, "route " + route_->name + ": partial_answer", "route {}: {}",
            route_->name, r.error.message);
    Finish(std::move(r));
    return;
  }
  if (outcome == Outcome::kClientError) {
    // Every model would refuse the same request the same way: the client must fix it.
    CancelAll("the request was rejected");
    RouteResponse r;
    r.error.code = "request_rejected";
    r.error.http_status = http_status;
    r.error.message = call.model + " refused the request: " + a.reason;
    log.Log(now, spdlog::level::warn,
            "route " + route_->name + ": " + call.model + " refused the request",
            "route {}: {} refused the request as the client's fault: {}", route_->name, call.model,
            a.reason);
    Finish(std::move(r));
    return;
  }
  log.Log(now, spdlog::level::info, "route " + route_->name + ": " + a.model + " " + a.outcome,
          "route {}: {} {} after {} ms{}{}", route_->name, a.model, a.outcome, a.latency_ms,
          a.reason.empty() ? "" : ": ", a.reason);
  tried_.MovingOn(call.model, a.outcome, a.reason, env_->clock().WallMs());
  if (MaybeRetry(call.model, outcome, retry_after_ms)) return;
  Launch();
}

bool Walk::MaybeRetry(const std::string& model, Outcome outcome, int64_t retry_after_ms) {
  int64_t wait_ms;
  if (outcome == Outcome::kConnectError) {
    wait_ms = 0;  // nothing reached the provider: a fresh connection costs it nothing
  } else if (outcome == Outcome::kRateLimited && retry_after_ms >= 0 &&
             retry_after_ms <= gen_->config->retry.max_retry_after_ms) {
    wait_ms = retry_after_ms;
  } else {
    return false;
  }
  int64_t now = env_->clock().NowMs();
  if (retried_ || calls_made_ >= MaxAttempts(*route_) || now + wait_ms >= deadline_at_ms_ ||
      !env_->retry_budget().TryRetry(now)) {
    return false;
  }
  retried_ = true;
  auto go = [model](Walk* w) {
    w->retry_timer_ = 0;
    ModelRuntime& rt = w->gen_->models.at(model);
    BreakerTransition t;
    bool allowed = rt.health->Admit(w->env_->clock().NowMs(), &t);
    w->env_->BreakerMoved(model, t);
    if (!allowed) {
      w->Skip(model, Outcome::kBreakerOpen, "retry refused: breaker open");
      w->Launch();
      return;
    }
    FittedPrompt prepared;
    std::string why;
    if (!w->Prepare(rt, &prepared, &why)) {  // it fitted the first time; the same again
      rt.health->Unadmit();
      w->Skip(model, Outcome::kContextOverflow, std::move(why));
      w->Launch();
      return;
    }
    if (!w->TakeSlot(rt)) {
      rt.health->Unadmit();
      w->Launch();
      return;
    }
    w->StartCall(model, true, std::move(prepared));
  };
  env_->log().Log(now, spdlog::level::info, "route " + route_->name + ": retrying " + model,
                  "route {}: retrying {} in {} ms", route_->name, model, wait_ms);
  if (wait_ms == 0) {
    go(this);
  } else {
    retry_timer_ = env_->timers().Start(wait_ms, Later(go));
  }
  return true;
}

void Walk::CancelCall(int64_t seq, const std::string& reason) {
  auto it = std::find_if(live_.begin(), live_.end(), [seq](const Call& c) { return c.seq == seq; });
  if (it == live_.end()) return;
  Call call = std::move(*it);
  live_.erase(it);
  if (call.http_id) env_->http().Cancel(call.http_id);
  if (call.timer_id) env_->timers().Stop(call.timer_id);
  ModelRuntime& rt = gen_->models.at(call.model);
  env_->slots(rt.config->provider).Release(origin_.client);
  int64_t now = env_->clock().NowMs();
  Attempt& a = tried_.at(seq);
  // A call past its soft timeout had timed out already; it was only kept in case it won.
  a.outcome = OutcomeName(call.past_soft ? Outcome::kTimeout : Outcome::kCancelled);
  a.latency_ms = now - call.start_ms;
  // The provider has the prompt and bills it even though nobody reads the answer: count the
  // input at the estimate, since no usage will ever come back for it.
  a.usage.input_tokens = a.tokens_after;
  a.cost_usd = CostUsd(*rt.config, a.usage);
  a.reason = reason + " (input tokens and cost estimated)";
  cost_usd_ += a.cost_usd;
  if (call.past_soft && !call.got_text) RecordCensored(call, now);
  env_->BreakerMoved(call.model, rt.health->Abandoned(now, call.past_soft));
}

void Walk::RecordCensored(const Call& call, int64_t now) {
  // At its cutoff, not at the time it ran: a hedge or the last hope may have run on far past
  // it, and only the rank of a censored sample matters (resilience/timeout_policy.h). A call
  // the deadline cut short says nothing about the model's timeout.
  if (!call.learned_cutoff) return;
  (call.relay ? env_->first_token_policy() : env_->policy())
      .Record(call.model, req_.task, now, call.soft_timeout_ms, true,
              route_->timeout.window_s * 1000);
}

void Walk::CancelAll(const std::string& reason) {
  while (!live_.empty()) CancelCall(live_.front().seq, reason);
}

void Walk::FinishFailed() {
  int64_t now = env_->clock().NowMs();
  bool out_of_time = now >= deadline_at_ms_;
  RouteResponse r;
  std::string cannot = calls_made_ == 0 ? NoTierCan() : "";
  if (!cannot.empty()) {
    // Every tier would fail the same way: the request's own doing, not a model's.
    r.error.code = "bad_request";
    r.error.message = std::move(cannot);
  } else if (calls_made_ == 0 && !refused_for_capacity_.empty()) {
    // Nothing was wrong with a model: the daemon had no room for this request. A client that
    // backs off and retries will be served.
    r.error.code = "overloaded";
    r.error.message =
        "no tier of route '" + route_->name + "' could take it now: " + refused_for_capacity_;
  } else if (out_of_time) {
    r.error.code = "deadline_exceeded";
    r.error.message =
        "the request's deadline passed after " + std::to_string(calls_made_) + " call(s)";
  } else {
    r.error.code = "all_models_failed";
    r.error.message = "every tier of route '" + route_->name + "' failed";
  }
  const Attempt* last = tried_.last();
  if (last && r.error.code != "overloaded" && r.error.code != "bad_request") {
    r.error.message += "; last: " + last->model + " " + last->outcome +
                       (last->reason.empty() ? "" : " (" + last->reason + ")");
  }
  env_->log().Log(now, spdlog::level::warn, "route " + route_->name + ": " + r.error.code,
                  "route {}: {} after {} call(s), {} tier(s) skipped", route_->name, r.error.code,
                  calls_made_, tried_.attempt_count() - calls_made_);
  Finish(std::move(r));
}

void Walk::Abort(const std::string& code, const std::string& message) {
  // Calls in progress are abandoned, and kept in the history as such.
  CancelAll(message);
  Finish(Error(code, message));
}

void Walk::Finish(RouteResponse&& response) {
  if (retry_timer_) env_->timers().Stop(retry_timer_);
  retry_timer_ = 0;
  std::vector<AttemptReport> reports = tried_.Reports();
  if (response.ok) {
    response.result.request_id = id_;
    response.result.latency_ms = env_->clock().NowMs() - start_ms_;
    response.result.cost_usd = cost_usd_;
    response.result.attempts = std::move(reports);
  } else {
    response.error.request_id = id_;
    response.error.attempts = std::move(reports);
  }
  Done done = std::move(done_);
  // The walk is gone after this: only locals from here on.
  env_->Finished(this, response);
  done(std::move(response));
}

bool Walk::KeptAnswer(const RouteResponse& response, FallbackAnswerRecord* out) const {
  if (!route_->keep_fallback_answers || !response.ok) return false;
  const std::vector<Message>& sent = response.result.truncated ? served_messages_ : req_.messages;
  return KeepFallbackAnswer(*route_, req_.task, sent, response.result, wall_start_ms_, out);
}

RequestRecord Walk::HistoryRecord(const RouteResponse& response) const {
  RequestRecord r;
  r.id = id_;
  r.ts_ms = wall_start_ms_;
  r.route = route_->name;
  r.task = req_.task;
  r.tools_offered = static_cast<int64_t>(req_.tools.size());
  r.latency_ms = env_->clock().NowMs() - start_ms_;
  r.cost_usd = cost_usd_;
  if (response.ok) {
    r.outcome = "ok";
    r.served_by = response.result.model;
    r.input_tokens = response.result.usage.input_tokens;
    r.output_tokens = response.result.usage.output_tokens;
    r.truncated = response.result.truncated;
    r.tool_calls = static_cast<int64_t>(response.result.tool_calls.size());
  } else {
    r.outcome = response.error.code;
    r.error = response.error.message;
  }
  tried_.Fill(&r);
  return r;
}

}  // namespace switchyard
