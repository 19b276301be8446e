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

namespace switchyard {

// A request's answer: the result, or an error whose code is one of schema/protocol.md's.
struct RouteResponse {
  bool ok = false;
  CompleteResult result;
  RpcError error;
};

class Router {
 public:
  using Done = std::function<void(RouteResponse&&)>;

  // `http`, `timers` and `clock` must outlive the router. Loop thread only.
  Router(std::shared_ptr<const Config> config, HttpClient* http, Timers* timers, const Clock* clock);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Walks `req` down its route. `done` runs exactly once on the loop thread: later, or
  // before Complete returns when the request is refused outright (bad_request, no_route).
  void Complete(CompleteRequest req, Done done);

  // Answers every request in flight with `code` and abandons its attempts.
  void AbortAll(const std::string& code, const std::string& message);

  size_t in_flight() const { return walks_.size(); }
  void FillStatus(StatusResult* out) const;

 private:
  struct Walk;
  struct ModelRuntime {
    const ModelConfig* config = nullptr;
    const ProviderConfig* provider_config = nullptr;
    const Provider* provider = nullptr;
    int64_t in_flight = 0;
  };

  void NextTier(Walk* w);
  void OnHttpDone(uint64_t walk_id, HttpResponse&& resp);
  void OnAttemptTimeout(uint64_t walk_id);
  // Records the current attempt's end and either finishes or goes on down the route.
  void EndAttempt(Walk* w, Outcome outcome, std::string reason, int64_t http_status,
                  const Answer* answer);
  void Finish(Walk* w, RouteResponse&& response);
  int64_t AttemptTimeoutMs(const Walk& w, const std::string& model) const;

  std::shared_ptr<const Config> config_;
  HttpClient* http_;
  Timers* timers_;
  const Clock* clock_;
  std::map<std::string, std::unique_ptr<Provider>> providers_;
  std::map<std::string, ModelRuntime> models_;
  uint64_t next_walk_id_ = 1;
  std::unordered_map<uint64_t, std::unique_ptr<Walk>> walks_;
};

}  // namespace switchyard
