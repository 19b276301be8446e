// Half-open breakers' probes that nobody waits on. When a request reaches a model whose
// breaker would let a probe through and a later tier can serve it, the request goes on to
// that tier and a copy of it goes to the probed model (as Envoy's request mirroring learns
// about a host without a user waiting). The copy may run to the route's timeout.ceiling_ms;
// its answer is discarded, its cost counted, its attempt kept in the history (attempts.probe,
// under the request that carried it), and its latency, when it answered, recorded as it is:
// nothing cut it off.
//
// The breaker's verdict comes at the probe's answer or at the model's healthy timeout,
// whichever is first (as a health check fails at its timeout): an answer within it closes
// the breaker; a failure, or no answer by then, re-opens it with the longer cool-down, so a
// probe that hangs does not hold the breaker half-open until the ceiling. The probe may run
// on to the ceiling all the same, to learn how slow the model is: a correct answer slower than
// the healthy timeout, for the kSlowProbesToRelearn-th time in a row, means the model is not
// dead but slower for good. Its learned latency is forgotten and re-learned from those
// probes' answers (until min_samples, the route's default timeout applies), and its breaker
// closes.
// Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/timers.h"
#include "http/http_client.h"
#include "protocol/messages.h"
#include "resilience/breaker.h"
#include "resilience/timeout_policy.h"
#include "router/daily_spend.h"
#include "router/generation.h"
#include "router/prompt_fit.h"
#include "store/store.h"

namespace switchyard {

class Prober {
 public:
  static constexpr int kSlowProbesToRelearn = 3;

  struct Deps {
    const Clock* clock = nullptr;
    Timers* timers = nullptr;
    HttpClient* http = nullptr;
    TimeoutPolicy* policy = nullptr;
    TimeoutPolicy* first_token_policy = nullptr;
    DailySpend* spend = nullptr;
    Store* store = nullptr;  // null: history off
    std::function<void(const std::string& model, const BreakerTransition&)> breaker_moved;
  };

  struct Request {
    std::shared_ptr<Generation> gen;  // keeps `route` and the model's runtime alive
    const RouteConfig* route = nullptr;
    std::string model;
    CompleteRequest req;  // the copy: sent whole, never streamed
    FittedPrompt prompt;
    int64_t request_id = 0;      // the request that carried it
    int64_t healthy_timeout_ms;  // an answer within this closes the breaker
  };

  explicit Prober(Deps deps);
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // Sends the probe. The caller has already admitted it through the model's breaker.
  void Start(Request r);
  // Cancels every probe in flight (shutdown): no verdict, the probe slots given back.
  void CancelAll();
  size_t in_flight() const { return live_.size(); }

 private:
  struct Probe;
  void OnDone(int64_t id, HttpResponse&& resp);
  // The healthy timeout passed with no answer: the breaker re-opens; the probe runs on.
  void OnHealthyTimeout(int64_t id);

  Deps deps_;
  int64_t next_id_ = 1;
  std::map<int64_t, std::unique_ptr<Probe>> live_;
  // Per model: the (task, latency) of its correct but slow probes in a row.
  std::map<std::string, std::vector<std::pair<std::string, int64_t>>> slow_streak_;
};

}  // namespace switchyard
