#include "router/tail_watch.h"

#include <algorithm>

#include "router/call_outcome.h"

namespace switchyard {

TailWatch::TailWatch(Deps deps) : deps_(std::move(deps)) {}

TailWatch::~TailWatch() { CancelAll(); }

void TailWatch::Watch(int64_t seq, Tail t) {
  Key key{t.request_id, seq};
  int64_t wait = std::max<int64_t>(1, t.until_ms - deps_.clock->NowMs());
  Watched& w = live_[key];
  w.tail = std::move(t);
  w.timer_id = deps_.timers->Start(wait, [this, key] {
    auto it = live_.find(key);
    if (it == live_.end()) return;
    it->second.timer_id = 0;
    deps_.http->Cancel(it->second.tail.http_id);
    End(key, nullptr);
  });
}

bool TailWatch::Claim(int64_t request_id, int64_t seq, HttpResponse& resp) {
  if (live_.empty()) return false;
  Key key{request_id, seq};
  if (live_.find(key) == live_.end()) return false;
  End(key, &resp);
  return true;
}

void TailWatch::End(Key key, HttpResponse* resp) {
  auto it = live_.find(key);
  Watched w = std::move(it->second);
  live_.erase(it);
  if (w.timer_id) deps_.timers->Stop(w.timer_id);
  const Tail& t = w.tail;
  const ModelRuntime& rt = t.gen->models.at(t.model);
  int64_t now = deps_.clock->NowMs();
  Attempt a = t.attempt;
  a.probe = true;
  a.latency_ms = now - t.start_ms;

  Outcome outcome = Outcome::kTimeout;
  if (!resp) {
    a.reason = "kept running after its cutoff at " + std::to_string(t.cutoff_ms) +
               " ms to learn its latency; no answer within " + std::to_string(a.latency_ms) + " ms";
  } else if (resp->error != TransportError::kNone) {
    outcome = FromTransport(resp->error);
    a.reason = resp->error_message;
  } else {
    a.http_status = resp->status;
    ParsedResponse parsed =
        ParseAndCheck(*rt.provider, *resp, t.req, *t.route, deps_.clock->WallMs());
    outcome = parsed.outcome;
    a.usage = parsed.answer.usage;
    a.reason = outcome == Outcome::kOk
                   ? "answered after its cutoff at " + std::to_string(t.cutoff_ms) +
                         " ms; nobody waited for it"
                   : std::move(parsed.reason);
  }
  // The provider has the prompt and bills it; no usage will ever come back for it.
  if (outcome != Outcome::kOk && a.usage.input_tokens == 0) a.usage.input_tokens = a.tokens_after;
  a.outcome = OutcomeName(outcome);
  a.cost_usd = CostUsd(*rt.config, a.usage);
  if (a.cost_usd > 0) deps_.spend->Add(t.route->name, a.wall_start_ms, a.cost_usd);

  // An answer is a true sample however late; no answer by now says "longer than this"; a
  // failure says nothing past the cutoff the walk already knew of.
  int64_t window_ms = t.route->timeout.window_s * 1000;
  if (outcome == Outcome::kOk) {
    deps_.policy->Record(t.model, t.req.task, now, a.latency_ms, false, window_ms);
  } else if (outcome == Outcome::kTimeout) {
    deps_.policy->Record(t.model, t.req.task, now, a.latency_ms, true, window_ms);
  } else {
    deps_.policy->Record(t.model, t.req.task, now, t.cutoff_ms, true, window_ms);
  }
  if (deps_.store) deps_.store->RecordProbe(t.request_id, t.route->name, t.req.task, a.Record());
}

void TailWatch::CancelAll() {
  for (auto& [key, w] : live_) {
    deps_.http->Cancel(w.tail.http_id);
    if (w.timer_id) deps_.timers->Stop(w.timer_id);
  }
  live_.clear();
}

}  // namespace switchyard
