// The router: the requests in flight, each a Walk down its route's tiers (router/walk.h), and
// what they share: each model's health, each provider's slots, the retry budget, the learned
// latency, each route's spend. It takes requests in (Complete), ends them early (Abandon,
// AbortAll), switches configs (Reload), and keeps each finished request in the history. It is
// the walks' environment. Loop thread only; nothing here blocks.
#pragma once

#include <cstdint>
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
#include "prompt/token_calibration.h"
#include "protocol/messages.h"
#include "resilience/provider_slots.h"
#include "resilience/retry_budget.h"
#include "resilience/timeout_policy.h"
#include "router/breaker_listener.h"
#include "router/daily_spend.h"
#include "router/generation.h"
#include "router/walk.h"
#include "store/store.h"

namespace switchyard {

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

class Router final : private WalkEnv {
 public:
  using Done = Walk::Done;
  using Chunk = Walk::Chunk;

  // Loop thread only.
  Router(std::shared_ptr<const Config> config, const RouterContext& ctx);
  ~Router() override;
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
  // Answers every request in flight with `code` and abandons its calls.
  void AbortAll(const std::string& code, const std::string& message);

  // Writes how many log lines of each kind were held back (base/log_limiter.h). Now and
  // then (once a second), and with `all` at shutdown.
  void FlushHeldBackLogs(bool all = false) { log_.FlushHeldBack(clock_->NowMs(), all); }

  // Switches to `config` for requests that arrive from now on; requests in flight finish
  // under the config they started with. Breakers, latency history and in-flight counts of
  // models that remain are kept.
  void Reload(std::shared_ptr<const Config> config);

  // Re-opens a model's breaker saved before a restart, until `open_until_wall_ms`.
  void RestoreBreaker(const std::string& model, int64_t open_until_wall_ms, int64_t cooldown_ms);

  // The fleet (fleet/fleet.h): told of every breaker move made here. Null: none.
  void set_breaker_listener(BreakerListener* listener) { listener_ = listener; }
  // Another host's verdicts: recorded in the history with `reason`, not told back.
  void ApplyFleetOpen(const std::string& model, int64_t open_until_wall_ms, int64_t cooldown_ms,
                      const std::string& reason);
  void ApplyFleetClose(const std::string& model, const std::string& reason);
  // Holds every breaker (or lets go of them) at the end of its cool-down, or one model's.
  void HoldBreakers(bool held);
  void HoldBreaker(const std::string& model, bool held);
  struct BreakerView {
    std::string model;
    BreakerState state = BreakerState::kClosed;
    int64_t open_until_wall_ms = 0;
    int64_t cooldown_ms = 0;
  };
  std::vector<BreakerView> Breakers() const;
  // One model's; false when the router has no such model.
  bool FindBreaker(const std::string& model, BreakerView* out) const;

  size_t in_flight() const { return walks_.size(); }
  size_t probes_in_flight() const { return prober_.in_flight(); }
  size_t tails_in_flight() const { return tails_.in_flight(); }
  // The models and routes of `status`.
  void FillStatus(StatusResult* out);
  // The prompt tokens `req` comes to for the first tier of its route: the same calibrated
  // estimate context fitting uses. False when there is no such route.
  bool EstimateInputTokens(const CompleteRequest& req, int64_t* tokens) const;
  // The configuration in force now (a reload replaces it).
  const Config& config() const { return *gen_->config; }

 private:
  std::shared_ptr<Generation> Build(std::shared_ptr<const Config> config);
  void AddSpend(const Walk& w);
  // Logs a breaker's move and keeps it in the history; an open one with `open_until_wall`,
  // its deadline on the wall clock (0 for other moves).
  void RecordTransition(const std::string& model, const BreakerTransition& t,
                        int64_t open_until_wall);
  // An open transition's deadline on the wall clock (0 for other moves).
  int64_t OpenUntilWall(const BreakerTransition& t) const;

  // WalkEnv.
  const Clock& clock() const override { return *clock_; }
  Timers& timers() override { return *timers_; }
  HttpClient& http() override { return *http_; }
  TimeoutPolicy& policy() override { return *policy_; }
  TimeoutPolicy& first_token_policy() override { return *first_token_policy_; }
  TokenCalibration& calibration() override { return *calibration_; }
  RetryBudget& retry_budget() override { return retry_budget_; }
  RetryBudget& extra_load(const std::string& route) override;
  void StartProbe(Prober::Request r) override { prober_.Start(std::move(r)); }
  TailWatch& tails() override { return tails_; }
  RetryBudget& tail_budget(const std::string& route) override;
  ProviderSlots& slots(const std::string& provider) override {
    return provider_slots_.at(provider);
  }
  const Redactor* redactor() override { return redactor_; }
  LogLimiter& log() override { return log_; }
  void BreakerMoved(const std::string& model, const BreakerTransition& t) override;
  Walk* Find(int64_t id) override;
  void Finished(Walk* walk, const RouteResponse& response) override;

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
  // By route name: hedges and probe copies, and cut-off calls kept running.
  struct RouteLoad {
    RetryBudget extra;
    RetryBudget tails;
  };
  RouteLoad& load(const std::string& route);
  std::map<std::string, RouteLoad> load_;
  std::map<std::string, ProviderSlots> provider_slots_;         // by provider name
  std::map<std::string, std::shared_ptr<ModelHealth>> health_;  // by model name
  std::unordered_map<ClientId, int64_t> client_walks_;          // requests per client
  LogLimiter log_;
  BreakerListener* listener_ = nullptr;
  bool hold_all_ = false;
  int64_t next_request_id_;
  std::unordered_map<int64_t, std::unique_ptr<Walk>> walks_;
  // Last: their callbacks use what is above, so they go first.
  Prober prober_;
  TailWatch tails_;
};

}  // namespace switchyard
