// Calls cut off at their learned timeout and kept running, nobody waiting, to learn how long
// they really take. A cut-off only says "longer than the timeout"; when the timeout sits at
// the P95 itself (p95_multiplier 1.0) every healthy window has 5% of them, and learning from
// cut-offs alone could only move the timeout down. A random share of the cut-offs, kept
// running up to the ceiling, gives the latencies beyond the cutoff that the Kaplan-Meier
// estimate of resilience/latency_window.h needs (as Finagle's backup requests let the first
// request run on).
//
// The user's request has moved on (its attempt says the call was cut off, and kept running);
// the tail holds no provider slot and gives the breaker no verdict (the cut-off did). When
// it ends, its latency is a true sample if it answered correctly, else a censored one (at
// the time it ran if it never answered, at its cutoff if it failed); its cost is counted and
// its row kept in the history as one nobody waited on (attempts.probe). How many are kept is
// bounded per route (retry.extra_load_percent of its requests, on a budget of their own so
// that they never take the probes' share).
// Loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "base/clock.h"
#include "base/timers.h"
#include "http/http_client.h"
#include "resilience/timeout_policy.h"
#include "router/attempt.h"
#include "router/daily_spend.h"
#include "router/generation.h"
#include "store/store.h"

namespace switchyard {

class TailWatch {
 public:
  struct Deps {
    const Clock* clock = nullptr;
    Timers* timers = nullptr;
    HttpClient* http = nullptr;
    TimeoutPolicy* policy = nullptr;
    DailySpend* spend = nullptr;
    Store* store = nullptr;  // null: history off
  };

  struct Tail {
    std::shared_ptr<Generation> gen;  // keeps `route` and the model's runtime alive
    const RouteConfig* route = nullptr;
    std::string model;
    CompleteRequest req;  // what the answer is checked against
    int64_t request_id = 0;
    HttpClient::Id http_id = 0;
    int64_t start_ms = 0;   // steady
    int64_t cutoff_ms = 0;  // its learned timeout
    int64_t until_ms = 0;   // steady: given up then
    Attempt attempt;        // its start and prompt
  };

  explicit TailWatch(Deps deps);
  ~TailWatch();
  TailWatch(const TailWatch&) = delete;
  TailWatch& operator=(const TailWatch&) = delete;

  // Takes over call `seq` of request `request_id` (its HTTP answer comes through Claim).
  void Watch(int64_t seq, Tail t);
  // Whether the answer to call `seq` of request `request_id` is a watched tail's; if so it is
  // handled here.
  bool Claim(int64_t request_id, int64_t seq, HttpResponse& resp);
  // Cancels every tail (shutdown): nothing learned, nothing recorded.
  void CancelAll();
  size_t in_flight() const { return live_.size(); }

 private:
  struct Watched {
    Tail tail;
    Timers::Id timer_id = 0;
  };
  using Key = std::pair<int64_t, int64_t>;  // request id, call index
  void End(Key key, HttpResponse* resp);

  Deps deps_;
  std::map<Key, Watched> live_;
};

}  // namespace switchyard
