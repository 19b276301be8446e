#include "router/prober.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "router/attempt.h"
#include "router/call_outcome.h"
#include "router/call_request.h"

namespace switchyard {

struct Prober::Probe {
  Request r;
  int64_t start_ms = 0;
  HttpClient::Id http_id = 0;
  Timers::Id timer_id = 0;
  bool judged = false;  // the breaker has had its verdict (at the healthy timeout)
  Attempt attempt;
};

Prober::Prober(Deps deps) : deps_(std::move(deps)) {}

Prober::~Prober() { CancelAll(); }

void Prober::Start(Request r) {
  const ModelRuntime& rt = r.gen->models.at(r.model);
  int64_t now = deps_.clock->NowMs();
  auto probe = std::make_unique<Probe>();
  probe->start_ms = now;
  r.req.stream = false;
  int64_t limit = r.route->timeout.ceiling_ms;
  HttpRequest hr = CallRequest(rt, r.req, r.prompt, limit, limit);
  hr.timeout_ms = limit;
  Attempt& a = probe->attempt;
  a.model = r.model;
  a.wall_start_ms = deps_.clock->WallMs();
  a.timeout_ms = limit;
  a.probe = true;
  a.truncated = r.prompt.truncated;
  a.truncation = r.prompt.truncation;
  a.est_tokens = r.prompt.est_tokens;
  a.tokens_before = r.prompt.tokens_before;
  a.tokens_after = r.prompt.tokens_after;
  probe->r = std::move(r);
  int64_t id = next_id_++;
  Probe* raw = probe.get();
  live_.emplace(id, std::move(probe));
  rt.health->Started();
  raw->http_id = deps_.http->Start(
      std::move(hr), [this, id](HttpResponse&& resp) { OnDone(id, std::move(resp)); });
  if (raw->http_id != 0) {
    raw->timer_id = deps_.timers->Start(std::max<int64_t>(1, raw->r.healthy_timeout_ms),
                                        [this, id] { OnHealthyTimeout(id); });
  } else {
    HttpResponse failed;
    failed.error = TransportError::kConnect;
    failed.error_message = "could not start the HTTP request";
    OnDone(id, std::move(failed));
  }
}

void Prober::OnHealthyTimeout(int64_t id) {
  auto it = live_.find(id);
  if (it == live_.end()) return;
  Probe& p = *it->second;
  p.timer_id = 0;
  p.judged = true;
  const ModelRuntime& rt = p.r.gen->models.at(p.r.model);
  deps_.breaker_moved(p.r.model, rt.health->Ended(deps_.clock->NowMs(), Outcome::kTimeout, false));
}

void Prober::OnDone(int64_t id, HttpResponse&& resp) {
  auto it = live_.find(id);
  if (it == live_.end()) return;
  std::unique_ptr<Probe> probe = std::move(it->second);
  live_.erase(it);
  if (probe->timer_id) deps_.timers->Stop(probe->timer_id);
  const Request& r = probe->r;
  const ModelRuntime& rt = r.gen->models.at(r.model);
  int64_t now = deps_.clock->NowMs();
  Attempt& a = probe->attempt;
  a.latency_ms = now - probe->start_ms;
  a.http_status = resp.status;

  Outcome outcome;
  int64_t retry_after_ms = -1;
  if (resp.error != TransportError::kNone) {
    outcome = FromTransport(resp.error);
    a.reason = resp.error_message;
  } else {
    ParsedResponse parsed =
        ParseAndCheck(*rt.provider, resp, r.req, *r.route, deps_.clock->WallMs());
    outcome = parsed.outcome;
    retry_after_ms = parsed.retry_after_ms;
    a.reason = std::move(parsed.reason);
    a.usage = parsed.answer.usage;
  }
  if (outcome == Outcome::kTimeout) {
    // The provider has the prompt and bills it; no usage will ever come back for it.
    a.usage.input_tokens = a.tokens_after;
  }
  a.outcome = OutcomeName(outcome);
  a.cost_usd = CostUsd(*rt.config, a.usage);
  if (a.cost_usd > 0) deps_.spend->Add(r.route->name, a.wall_start_ms, a.cost_usd);

  int64_t window_ms = r.route->timeout.window_s * 1000;
  bool slow = false;
  std::vector<std::pair<std::string, int64_t>>& streak = slow_streak_[r.model];
  if (outcome == Outcome::kOk) {
    // Nothing cut it off: its latency is a true sample, however slow.
    deps_.policy->Record(r.model, r.req.task, now, a.latency_ms, false, window_ms);
    if (a.latency_ms <= r.healthy_timeout_ms) {
      streak.clear();
    } else {
      streak.emplace_back(r.req.task, a.latency_ms);
      if (static_cast<int>(streak.size()) >= kSlowProbesToRelearn) {
        // Slower, not dead: what was learned of it no longer holds.
        deps_.policy->Forget(r.model);
        deps_.first_token_policy->Forget(r.model);
        for (const auto& [task, ms] : streak) {
          deps_.policy->Record(r.model, task, now, ms, false, window_ms);
        }
        spdlog::warn(
            "{}: {} probes in a row answered correctly but slower than its healthy timeout of "
            "{} ms (the last in {} ms): re-learning its latency and closing its breaker",
            r.model, streak.size(), r.healthy_timeout_ms, a.latency_ms);
        a.reason = "slower than its healthy timeout " + std::to_string(r.healthy_timeout_ms) +
                   " ms, for the " + std::to_string(streak.size()) +
                   "th probe in a row: latency re-learned";
        streak.clear();
      } else {
        slow = true;
        a.reason = "answered, but slower than its healthy timeout of " +
                   std::to_string(r.healthy_timeout_ms) + " ms";
      }
    }
  } else {
    streak.clear();
  }
  if (!probe->judged) {
    deps_.breaker_moved(r.model, rt.health->Ended(now, outcome, slow, retry_after_ms));
  } else if (outcome == Outcome::kOk && !slow) {
    // Re-learned after its verdict: slower, not dead.
    deps_.breaker_moved(r.model,
                        rt.health->breaker().Reset("slower, not dead: latency re-learned"));
  }
  if (deps_.store) deps_.store->RecordProbe(r.request_id, r.route->name, r.req.task, a.Record());
}

void Prober::CancelAll() {
  for (auto& [id, probe] : live_) {
    if (probe->http_id) deps_.http->Cancel(probe->http_id);
    if (probe->timer_id) deps_.timers->Stop(probe->timer_id);
    if (probe->judged) continue;
    const ModelRuntime& rt = probe->r.gen->models.at(probe->r.model);
    deps_.breaker_moved(probe->r.model, rt.health->Abandoned(deps_.clock->NowMs(), false));
  }
  live_.clear();
}

}  // namespace switchyard
