// One request's walk down its route's tiers: skip models whose breaker is open or whose
// provider is full, give each call a timeout learned from that model's latency, classify
// what comes back, and either answer or move on. At a soft timeout a route either cuts the
// slow call off or hedges (starts the next tier and keeps the slow call until its hard
// timeout; the first good answer wins). Same-model retries are rare: only for a connection
// that failed before anything was sent, or a 429 with a short Retry-After, and only within
// the retry budget. Before each call the prompt is fitted to the model's context window;
// after it, a 200 answer passes the route's partial-failure checks or counts as a failure.
// Streamed requests relay text as it comes; they may fall back only until the first text
// has gone to the client. All state lives on the loop thread; the router never blocks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "base/log_limiter.h"
#include "base/redactor.h"
#include "base/timers.h"
#include "config/config.h"
#include "http/http_client.h"
#include "protocol/messages.h"
#include "prompt/token_calibration.h"
#include "providers/provider.h"
#include "router/daily_spend.h"
#include "resilience/breaker.h"
#include "resilience/provider_slots.h"
#include "resilience/retry_budget.h"
#include "resilience/timeout_policy.h"
#include "store/store.h"

namespace switchyard {

// A request's answer: the result, or an error whose code is one of schema/protocol.md's.
struct RouteResponse {
  bool ok = false;
  CompleteResult result;
  RpcError error;
};

// What the router works with; everything here must outlive it.
struct RouterContext {
  HttpClient* http = nullptr;
  Timers* timers = nullptr;
  const Clock* clock = nullptr;
  // Learned latency, of answers and of streams' first text; the token estimate's calibration;
  // each route's spend today. Kept by the daemon so they outlive a config reload; null: the
  // router keeps its own.
  TimeoutPolicy* policy = nullptr;
  TimeoutPolicy* first_token_policy = nullptr;
  TokenCalibration* calibration = nullptr;
  DailySpend* spend = nullptr;
  Store* store = nullptr;  // null: history off
  // The keys to keep out of streamed text (the daemon's, which also redacts every byte at
  // the door); null: none.
  const Redactor* redactor = nullptr;
  int64_t first_request_id = 1;
};

// Where a request came from: the client (whose share of each provider's slots it uses, see
// resilience/provider_slots.h) and the connection (whose requests are abandoned if it closes).
struct RequestOrigin {
  ClientId client = 0;
  uint64_t conn = 0;
};

class Router {
 public:
  using Done = std::function<void(RouteResponse&&)>;
  // A streamed request's next piece of text, in order; all of them make the answer.
  using Chunk = std::function<void(std::string_view text)>;

  // Loop thread only.
  Router(std::shared_ptr<const Config> config, const RouterContext& ctx);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Walks `req` down its route. `done` runs exactly once on the loop thread: later, or
  // before Complete returns when the request is refused outright (no_route, or overloaded:
  // the client is at daemon.max_in_flight_per_client). With `req.stream`, `on_chunk` gets
  // the text as it arrives, before `done`. Returns the request's id, or 0 when it was refused.
  int64_t Complete(CompleteRequest req, Done done, Chunk on_chunk = nullptr,
                   RequestOrigin origin = {});

  // The client of request `request_id` is gone: its calls are cancelled now, and it ends
  // with outcome `cancelled` and `reason` (its `done` still runs, with nowhere to answer).
  void Abandon(int64_t request_id, const std::string& reason);
  // The same for every request in flight from connection `conn`.
  void AbandonFrom(uint64_t conn, const std::string& reason);

  // Writes how many log lines of each kind were held back (base/log_limiter.h). Now and
  // then (once a second), and with `all` at shutdown.
  void FlushHeldBackLogs(bool all = false) { log_.FlushHeldBack(clock_->NowMs(), all); }

  // Answers every request in flight with `code` and abandons its calls.
  void AbortAll(const std::string& code, const std::string& message);

  // Switches to `config` for requests that arrive from now on; requests in flight finish
  // under the config they started with. Breakers, latency history and in-flight counts of
  // models that remain are kept.
  void Reload(std::shared_ptr<const Config> config);

  // Re-opens a model's breaker saved before a restart, until `open_until_wall_ms`.
  void RestoreBreaker(const std::string& model, int64_t open_until_wall_ms, int64_t cooldown_ms);

  size_t in_flight() const { return walks_.size(); }
  void FillStatus(StatusResult* out);
  // Whether `route` has spent its daily budget at wall time `wall_ms`, and the tier its
  // requests start at.
  bool OverBudget(const RouteConfig& route, int64_t wall_ms) const;

 private:
  struct Walk;
  struct Call;
  struct Prepared;
  // What outlives a config reload: one per model name.
  struct ModelHealth {
    std::unique_ptr<Breaker> breaker;
    int64_t in_flight = 0;
  };
  struct ModelRuntime {
    const ModelConfig* config = nullptr;
    const ProviderConfig* provider_config = nullptr;
    const Provider* provider = nullptr;
    std::shared_ptr<ModelHealth> health;
  };
  // A config and what is built from it; requests hold the one they started under.
  struct Generation {
    std::shared_ptr<const Config> config;
    std::map<std::string, std::unique_ptr<Provider>> providers;
    std::map<std::string, ModelRuntime> models;
  };
  std::shared_ptr<Generation> Build(std::shared_ptr<const Config> config);

  // Starts the next tier that may be called; finishes the walk when none is left and
  // nothing is in flight.
  void Launch(Walk* w);
  // Fits the prompt to `model`'s window; false (with `why`) if the model must be skipped.
  bool Prepare(Walk* w, const std::string& model, Prepared* p, std::string* why);
  void StartCall(Walk* w, const std::string& model, bool retry, Prepared&& p);
  // A slot of `rt`'s provider for the walk's client; false, the tier skipped as overloaded,
  // if there is none for it.
  bool TakeSlot(Walk* w, const ModelRuntime& rt);
  void OnStreamData(int64_t walk_id, int64_t seq, std::string_view bytes);
  void OnStall(int64_t walk_id, int64_t seq);
  void EndStream(Walk* w, int64_t seq, HttpResponse&& resp);
  // Passes a piece of (redacted) stream text to the client.
  void Relay(Walk* w, std::string_view text);
  void Skip(Walk* w, const std::string& model, Outcome why, std::string reason);
  // The call `seq` of request `walk_id` if both are still live (timers and HTTP callbacks
  // may arrive after a request finished).
  Call* FindCall(int64_t walk_id, int64_t seq, Walk** walk);
  void OnHttpDone(int64_t walk_id, int64_t seq, HttpResponse&& resp);
  void OnSoftTimeout(int64_t walk_id, int64_t seq);
  void OnHardTimeout(int64_t walk_id, int64_t seq);
  // Ends call `seq` with `outcome`, feeds the breaker, the latency window and the history,
  // then decides: answer, retry, next tier, or wait for the other call in flight.
  void EndCall(Walk* w, int64_t seq, Outcome outcome, std::string reason, int64_t http_status,
               const Answer* answer, int64_t retry_after_ms);
  // Abandons a call in flight (lost the hedge, shutdown) and records it as cancelled.
  void CancelCall(Walk* w, int64_t seq, const std::string& reason);
  bool MaybeRetry(Walk* w, const std::string& model, Outcome outcome, int64_t retry_after_ms);
  void Finish(Walk* w, RouteResponse&& response);
  // Hands the walk's records to the history (moving them: the walk is finishing).
  void Remember(Walk* w, const RouteResponse& response);
  void Emit(const std::string& model, const BreakerTransition& t);
  int64_t AttemptTimeoutMs(const Walk& w, const std::string& model);
  void FinishFailed(Walk* w);
  // A stream cut short may lack the provider's usage; fills it from estimates and returns
  // the note that says so, for the attempt's reason.
  std::string EstimateStreamUsage(const Walk& w, const Call& c, Answer* a) const;
  void AddSpend(const Walk& w);

  std::shared_ptr<Generation> gen_;
  HttpClient* http_;
  Timers* timers_;
  const Clock* clock_;
  TimeoutPolicy* policy_;
  TimeoutPolicy* first_token_policy_;
  TokenCalibration* calibration_;
  DailySpend* spend_;
  Store* store_;
  const Redactor* redactor_;
  // Used when the context does not provide them (tests).
  TimeoutPolicy own_first_token_policy_;
  TokenCalibration own_calibration_;
  DailySpend own_spend_;
  Redactor own_redactor_;
  RetryBudget retry_budget_;
  std::map<std::string, ProviderSlots> provider_slots_;  // by provider name
  std::unordered_map<ClientId, int64_t> client_walks_;    // requests in flight per client
  LogLimiter log_;
  std::map<std::string, std::shared_ptr<ModelHealth>> health_;
  int64_t next_request_id_;
  std::unordered_map<int64_t, std::unique_ptr<Walk>> walks_;
};

}  // namespace switchyard
