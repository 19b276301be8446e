// One request's walk down its route's tiers: build the call for a model, start it with a
// timeout, classify what came back, and either answer or move to the next tier. All state
// lives on the loop thread; the router never blocks and never retries a model blindly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "base/timers.h"
#include "config/config.h"
#include "http/http_client.h"
#include "protocol/messages.h"
#include "providers/provider.h"
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
  // Learned latency; kept by the daemon so it outlives a config reload.
  TimeoutPolicy* policy = nullptr;
  Store* store = nullptr;  // null: history off
  int64_t first_request_id = 1;
};

class Router {
 public:
  using Done = std::function<void(RouteResponse&&)>;

  // Loop thread only.
  Router(std::shared_ptr<const Config> config, const RouterContext& ctx);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Walks `req` down its route. `done` runs exactly once on the loop thread: later, or
  // before Complete returns when the request is refused outright (bad_request, no_route).
  void Complete(CompleteRequest req, Done done);

  // Answers every request in flight with `code` and abandons its attempts.
  void AbortAll(const std::string& code, const std::string& message);

  size_t in_flight() const { return walks_.size(); }
  void FillStatus(StatusResult* out);

 private:
  struct Walk;
  struct ModelRuntime {
    const ModelConfig* config = nullptr;
    const ProviderConfig* provider_config = nullptr;
    const Provider* provider = nullptr;
    int64_t in_flight = 0;
  };

  void NextTier(Walk* w);
  void OnHttpDone(int64_t walk_id, HttpResponse&& resp);
  void OnAttemptTimeout(int64_t walk_id);
  // Records the end of the attempt in progress (reports, history, latency sample).
  const AttemptReport& RecordAttempt(Walk* w, Outcome outcome, std::string reason,
                                     int64_t http_status, const Answer* answer);
  // Records the current attempt's end and either finishes or goes on down the route.
  void EndAttempt(Walk* w, Outcome outcome, std::string reason, int64_t http_status,
                  const Answer* answer);
  void Finish(Walk* w, RouteResponse&& response);
  int64_t AttemptTimeoutMs(const Walk& w, const std::string& model);
  void Remember(const Walk& w, const RouteResponse& response);

  std::shared_ptr<const Config> config_;
  HttpClient* http_;
  Timers* timers_;
  const Clock* clock_;
  TimeoutPolicy* policy_;
  Store* store_;
  std::map<std::string, std::unique_ptr<Provider>> providers_;
  std::map<std::string, ModelRuntime> models_;
  int64_t next_request_id_;
  std::unordered_map<int64_t, std::unique_ptr<Walk>> walks_;
};

}  // namespace switchyard
