// What happens to a walk's call while it runs: the HTTP answer or failure, a stream's
// bytes, a stall, the soft and hard timeouts. Each ends in EndCall (walk.cc) or leaves the
// call running.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "router/call_outcome.h"
#include "router/walk.h"
#include "router/walk_call.h"

namespace switchyard {

Walk::Call* Walk::FindCall(int64_t seq) {
  for (Call& c : live_) {
    if (c.seq == seq) return &c;
  }
  return nullptr;
}

void Walk::OnHttpDone(int64_t seq, HttpResponse&& resp) {
  Call* call = FindCall(seq);
  if (!call) return;
  call->http_id = 0;
  if (call->relay && resp.error == TransportError::kNone && resp.status >= 200 &&
      resp.status < 300) {
    EndStream(seq, std::move(resp));
    return;
  }
  if (resp.error != TransportError::kNone) {
    std::string reason = resp.error_message;
    Answer partial;
    const Answer* billed = nullptr;
    if (call->relay && call->got_text) {
      // Cut mid-stream: the provider billed what it generated.
      partial = call->relay->state().answer;
      reason += EstimateStreamUsage(*call, &partial);
      billed = &partial;
    }
    EndCall(seq, FromTransport(resp.error), std::move(reason), resp.status, billed, -1);
    return;
  }
  const ModelRuntime& rt = gen_->models.at(call->model);
  ParsedResponse parsed = ParseAndCheck(*rt.provider, resp, req_, *route_, env_->clock().WallMs());
  EndCall(seq, parsed.outcome, std::move(parsed.reason), resp.status, &parsed.answer,
          parsed.retry_after_ms);
}

void Walk::EndStream(int64_t seq, HttpResponse&& resp) {
  Call* call = FindCall(seq);
  StreamRelay& relay = *call->relay;
  const StreamState& st = relay.state();
  Answer answer = st.answer;
  StreamDelta rest = relay.Finish();
  answer.content = relay.relayed();
  answer.tool_calls = relay.relayed_calls();
  std::string reason;
  Outcome outcome = Outcome::kOk;
  if (st.failed) {
    outcome = st.failure;
    reason = st.reason;
  } else if (!st.finished && route_->checks.incomplete_stream) {
    outcome = Outcome::kIncompleteStream;
    reason = "the stream ended without its final event after " +
             std::to_string(answer.content.size()) + " bytes of text";
  } else {
    outcome = CheckAnswer(answer, req_, *route_, &reason);
  }
  // The tail kept back goes out unless it would turn a failure that may still fall back
  // into a partial answer.
  if (!rest.empty() && (outcome == Outcome::kOk || chunks_sent_ > 0)) Relay(call->model, rest);
  if (outcome != Outcome::kOk) reason += EstimateStreamUsage(*call, &answer);
  EndCall(seq, outcome, std::move(reason), resp.status, &answer, -1);
}

void Walk::OnStreamData(int64_t seq, std::string_view bytes) {
  Call* call = FindCall(seq);
  if (!call) return;
  int64_t now = env_->clock().NowMs();
  call->last_byte_ms = now;
  StreamDelta clean;
  bool output = call->relay->Feed(bytes, &clean);
  const StreamState& st = call->relay->state();
  if (st.failed) {
    // An error event mid-stream (Anthropic's overloaded_error, OpenAI's error chunk).
    env_->http().Cancel(call->http_id);
    call->http_id = 0;
    Answer partial = st.answer;
    std::string reason = st.reason + EstimateStreamUsage(*call, &partial);
    EndCall(seq, st.failure, std::move(reason), 200, call->got_text ? &partial : nullptr, -1);
    return;
  }
  if (!output) return;
  // The first text or tool call decides the race, as it starts the client's answer.
  if (!call->got_text) {
    call->got_text = true;
    int64_t ttft = now - call->start_ms;
    tried_.at(seq).ttft_ms = ttft;
    env_->first_token_policy().Record(call->model, req_.task, now, ttft, false,
                                      route_->timeout.window_s * 1000);
    if (call->timer_id) env_->timers().Stop(call->timer_id);
    call->timer_id = 0;
    std::string winner = call->model;
    // The first text decides the race: the client now has part of this model's answer.
    for (size_t i = 0; i < live_.size();) {
      if (live_[i].seq == seq) {
        ++i;
        continue;
      }
      CancelCall(live_[i].seq, "lost the race to " + winner + " (its text came first)");
    }
    call = FindCall(seq);  // CancelCall moved the calls
    int64_t stall = std::min(route_->timeout.stall_ms, std::max<int64_t>(1, deadline_at_ms_ - now));
    call->timer_id = env_->timers().Start(stall, Later([seq](Walk* w) { w->OnStall(seq); }));
  }
  if (!clean.empty()) Relay(call->model, clean);
}

void Walk::Relay(const std::string& model, const StreamDelta& delta) {
  chunks_sent_ += 1;
  if (on_chunk_) on_chunk_(model, delta);
}

void Walk::OnStall(int64_t seq) {
  Call* call = FindCall(seq);
  if (!call) return;
  call->timer_id = 0;
  int64_t now = env_->clock().NowMs();
  int64_t quiet = now - call->last_byte_ms;
  std::string reason;
  if (now >= deadline_at_ms_) {
    reason = "the request's deadline passed mid-stream";
  } else if (quiet >= route_->timeout.stall_ms) {
    reason = "stream stalled: no bytes for " + std::to_string(quiet) + " ms";
  } else {
    int64_t next = std::min(route_->timeout.stall_ms - quiet, deadline_at_ms_ - now);
    call->timer_id = env_->timers().Start(next, Later([seq](Walk* w) { w->OnStall(seq); }));
    return;
  }
  env_->http().Cancel(call->http_id);
  call->http_id = 0;
  Answer partial = call->relay->state().answer;
  reason += EstimateStreamUsage(*call, &partial);
  EndCall(seq, Outcome::kTimeout, std::move(reason), 0, &partial, -1);
}

void Walk::OnSoftTimeout(int64_t seq) {
  Call* call = FindCall(seq);
  if (!call) return;
  call->timer_id = 0;
  int64_t now = env_->clock().NowMs();
  // A hedge is extra load on the providers: within the route's budget, else it cuts over.
  bool can_hedge = route_->on_soft_timeout == SoftTimeout::kHedge && live_.size() == 1 &&
                   call->hard_at_ms > now && next_tier_ < route_->tiers.size() &&
                   AnotherTierCallable(now) && env_->extra_load(route_->name).TryRetry(now);
  if (can_hedge) {
    // Keep the slow call: the next tier races it, and the first good answer wins.
    call->past_soft = true;
    call->timer_id = env_->timers().Start(call->hard_at_ms - now,
                                          Later([seq](Walk* w) { w->OnHardTimeout(seq); }));
    tried_.MovingOn(
        call->model, "hedge",
        "no answer within " + std::to_string(call->soft_timeout_ms) + " ms; still waiting for it",
        env_->clock().WallMs());
    env_->log().Log(now, spdlog::level::info,
                    "route " + route_->name + ": " + call->model + " hedged",
                    "route {}: {} slower than {} ms; hedging with the next tier", route_->name,
                    call->model, call->soft_timeout_ms);
    Launch();
    return;
  }
  if (live_.size() == 1 && call->hard_at_ms > now && !AnotherTierCallable(now)) {
    // Nothing is left to fall back to: cutting this call off could only turn a slow answer
    // into no answer. It runs on to the ceiling or the deadline.
    call->past_soft = true;
    call->last_hope = true;
    tried_.at(seq).last_tier = true;
    call->timer_id = env_->timers().Start(call->hard_at_ms - now,
                                          Later([seq](Walk* w) { w->OnHardTimeout(seq); }));
    env_->log().Log(now, spdlog::level::info,
                    "route " + route_->name + ": " + call->model + " last hope",
                    "route {}: {} slower than {} ms, but no other tier can be called: waiting "
                    "up to {} ms more",
                    route_->name, call->model, call->soft_timeout_ms, call->hard_at_ms - now);
    return;
  }
  call->kept_running = KeepRunning(*call, now);
  if (!call->kept_running) env_->http().Cancel(call->http_id);
  call->http_id = 0;
  EndCall(seq, Outcome::kTimeout,
          "no answer within " + std::to_string(now - call->start_ms) + " ms" +
              (call->kept_running ? "; kept running to learn its latency" : ""),
          0, nullptr, -1);
}

bool Walk::KeepRunning(const Call& call, int64_t now) {
  // A stream's cutoff is on its first text and its bytes come to the walk: not kept.
  if (call.relay || !call.learned_cutoff || call.hard_at_ms <= now) return false;
  ModelRuntime& rt = gen_->models.at(call.model);
  if (rt.health->breaker().state() != BreakerState::kClosed) return false;
  if (!env_->tail_budget(route_->name).TryRetry(now)) return false;
  TailWatch::Tail t;
  t.gen = gen_;
  t.route = route_;
  t.model = call.model;
  t.req = req_;
  t.request_id = id_;
  t.http_id = call.http_id;
  t.start_ms = call.start_ms;
  t.cutoff_ms = call.soft_timeout_ms;
  t.until_ms = call.hard_at_ms;
  t.attempt = tried_.at(call.seq);
  t.attempt.timeout_ms = call.hard_at_ms - call.start_ms;
  env_->tails().Watch(call.seq, std::move(t));
  return true;
}

void Walk::OnHardTimeout(int64_t seq) {
  Call* call = FindCall(seq);
  if (!call) return;
  call->timer_id = 0;
  env_->http().Cancel(call->http_id);
  call->http_id = 0;
  int64_t ran = env_->clock().NowMs() - call->start_ms;
  EndCall(seq, Outcome::kTimeout, "no answer within " + std::to_string(ran) + " ms (hard timeout)",
          0, nullptr, -1);
}

std::string Walk::EstimateStreamUsage(const Call& c, Answer* a) const {
  return EstimateUsage(tried_.at(c.seq).tokens_after, a);
}

}  // namespace switchyard
