// One request's walk down its route's tiers: skip models whose breaker is open or whose
// provider has no slot for this client, give each call a timeout learned from that model's
// latency, classify what comes back, and either answer or move on. At a soft timeout a route
// either cuts the slow call off or hedges (starts the next tier and keeps the slow call until
// its hard timeout; the first good answer wins). Same-model retries are rare: only for a
// connection that failed before anything was sent, or a 429 with a short Retry-After, and
// only within the retry budget. Before each call the prompt is fitted to the model's context
// window; after it, a 200 answer passes the route's partial-failure checks or counts as a
// failure. Streamed requests relay text as it comes, and may fall back only until the first
// text has gone to the client. Loop thread only; nothing here blocks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/log_limiter.h"
#include "base/redactor.h"
#include "base/timers.h"
#include "http/http_client.h"
#include "prompt/token_calibration.h"
#include "protocol/messages.h"
#include "resilience/provider_slots.h"
#include "resilience/retry_budget.h"
#include "resilience/timeout_policy.h"
#include "router/attempt_log.h"
#include "router/generation.h"
#include "router/prober.h"
#include "router/prompt_fit.h"
#include "router/stream_relay.h"
#include "router/tail_watch.h"
#include "store/store.h"

namespace switchyard {

// A request's answer: the result, or an error whose code is one of schema/protocol.md's.
struct RouteResponse {
  bool ok = false;
  CompleteResult result;
  RpcError error;
};

// Where a request came from: the client (whose share of each provider's slots it uses, see
// resilience/provider_slots.h) and the connection (whose requests are abandoned if it closes).
struct RequestOrigin {
  ClientId client = 0;
  uint64_t conn = 0;
};

class Walk;

// What a walk needs from around it: the router provides it, a test may too.
class WalkEnv {
 public:
  virtual ~WalkEnv() = default;
  virtual const Clock& clock() const = 0;
  virtual Timers& timers() = 0;
  virtual HttpClient& http() = 0;
  // What was learned: latency of answers and of streams' first text, the token estimate.
  virtual TimeoutPolicy& policy() = 0;
  virtual TimeoutPolicy& first_token_policy() = 0;
  virtual TokenCalibration& calibration() = 0;
  virtual RetryBudget& retry_budget() = 0;
  // Hedges and probe copies of `route`, within retry.extra_load_percent of its requests.
  virtual RetryBudget& extra_load(const std::string& route) = 0;
  // Sends a half-open breaker's probe that nobody waits on (router/prober.h).
  virtual void StartProbe(Prober::Request r) = 0;
  // Cut-off calls kept running to learn their latency (router/tail_watch.h), and their
  // budget: retry.extra_load_percent of `route`'s requests, apart from extra_load's.
  virtual TailWatch& tails() = 0;
  virtual RetryBudget& tail_budget(const std::string& route) = 0;
  virtual ProviderSlots& slots(const std::string& provider) = 0;
  virtual const Redactor* redactor() = 0;
  virtual LogLimiter& log() = 0;
  // A breaker moved: say so and keep it.
  virtual void BreakerMoved(const std::string& model, const BreakerTransition& t) = 0;
  // The walk `id`, if it is still in flight (timers and HTTP callbacks look it up: a call's
  // callback may come after its request ended).
  virtual Walk* Find(int64_t id) = 0;
  // The walk ended with `response` (its ids, latency, cost and attempts filled in): keep it
  // in the history and let the walk go. `done` runs after, with the walk gone.
  virtual void Finished(Walk* walk, const RouteResponse& response) = 0;
};

class Walk {
 public:
  using Done = std::function<void(RouteResponse&&)>;
  // A streamed piece of text or of tool calls, and the model it came from.
  using Chunk = std::function<void(std::string_view model, const StreamDelta& delta)>;

  struct Params {
    int64_t id = 0;  // the request id in the history
    RequestOrigin origin;
    CompleteRequest req;
    std::shared_ptr<Generation> gen;  // the config the request started under
    const RouteConfig* route = nullptr;
    size_t first_tier = 0;  // a route over its daily budget starts lower
    Done done;
    Chunk on_chunk;  // streams
  };
  // `env` must outlive the walk.
  Walk(WalkEnv* env, Params p);
  ~Walk();
  Walk(const Walk&) = delete;
  Walk& operator=(const Walk&) = delete;

  // Starts the first tier that may be called. The walk may finish inside.
  void Launch();
  // Cancels every call in flight, recording `message` as why, and ends with `code`.
  void Abort(const std::string& code, const std::string& message);

  int64_t id() const { return id_; }
  const RequestOrigin& origin() const { return origin_; }
  const RouteConfig& route() const { return *route_; }
  int64_t wall_start_ms() const { return wall_start_ms_; }
  double cost_usd() const { return cost_usd_; }
  // What the history keeps of the walk that ended with `response`.
  RequestRecord HistoryRecord(const RouteResponse& response) const;
  // On routes that keep fallback answers, the answer a model other than the first tier gave
  // and the prompt it was sent; false when there is none to keep.
  bool KeptAnswer(const RouteResponse& response, FallbackAnswerRecord* out) const;

 private:
  struct Call;

  // Whether the model can take this request at all (images need vision, tools need tools, a
  // schema json_schema); false with `why`.
  bool Capable(const ModelRuntime& rt, std::string* why) const;
  // What no tier of the route can do that the request needs, said for the client; "" when
  // some tier can do it all.
  std::string NoTierCan() const;
  // Whether the request needs the model feature numbered `need` (walk.cc's kNeeds).
  bool Needs(size_t need) const;
  // Fits the prompt to the model's window; false (with `why`) if the model must be skipped.
  bool Prepare(const ModelRuntime& rt, FittedPrompt* p, std::string* why);
  // A slot of `rt`'s provider for this client; false, the tier skipped, if there is none.
  bool TakeSlot(const ModelRuntime& rt);
  // If `rt`'s breaker would let a probe through, a later tier can serve this request and the
  // route's extra-load budget allows: sends a copy as the probe and returns true, the tier
  // passed over.
  bool ProbeAside(const std::string& name, ModelRuntime& rt, FittedPrompt& prepared);
  void StartCall(const std::string& model, bool retry, FittedPrompt&& p);
  void Skip(const std::string& model, Outcome why, std::string reason);
  Call* FindCall(int64_t seq);

  // The calls' events, by the call's index in attempts_.
  void OnHttpDone(int64_t seq, HttpResponse&& resp);
  void OnStreamData(int64_t seq, std::string_view bytes);
  void OnStall(int64_t seq);
  void OnSoftTimeout(int64_t seq);
  void OnHardTimeout(int64_t seq);
  void EndStream(int64_t seq, HttpResponse&& resp);
  // Ends call `seq` with `outcome`, feeds the model's health, the latency window and the
  // attempt, then decides: answer, retry, next tier, or wait for the other call in flight.
  void EndCall(int64_t seq, Outcome outcome, std::string reason, int64_t http_status,
               const Answer* answer, int64_t retry_after_ms);
  // Abandons a call in flight (lost the race, its client left) and records it as cancelled.
  void CancelCall(int64_t seq, const std::string& reason);
  void CancelAll(const std::string& reason);
  // A call cut off (or given up) past its soft timeout: a censored latency sample.
  void RecordCensored(const Call& call, int64_t now);
  // Hands a call cut off at its learned timeout to the tail watch, if the route's budget
  // allows; false: it is to be cancelled.
  bool KeepRunning(const Call& call, int64_t now);
  // Whether a tier after the current one could still be called now.
  bool AnotherTierCallable(int64_t now);
  bool MaybeRetry(const std::string& model, Outcome outcome, int64_t retry_after_ms);
  void Relay(const std::string& model, const StreamDelta& delta);
  // A stream cut short may lack the provider's usage; fills it from estimates and returns
  // the note that says so, for the attempt's reason.
  std::string EstimateStreamUsage(const Call& c, Answer* a) const;
  void FinishFailed();
  void Finish(RouteResponse&& response);
  // A callback that finds this walk again, if it is still in flight, and runs `fn` on it.
  // A template, not a std::function inside a std::function: one allocation per timer.
  template <typename F>
  auto Later(F fn) {
    return [env = env_, id = id_, fn = std::move(fn)] {
      if (Walk* w = env->Find(id)) fn(w);
    };
  }

  WalkEnv* env_;
  int64_t id_;
  RequestOrigin origin_;
  CompleteRequest req_;
  std::shared_ptr<Generation> gen_;
  const RouteConfig* route_;
  Done done_;
  Chunk on_chunk_;
  int64_t wall_start_ms_;
  int64_t start_ms_;
  int64_t deadline_at_ms_;
  size_t next_tier_;
  int64_t calls_made_ = 0;
  bool retried_ = false;
  Timers::Id retry_timer_ = 0;
  std::vector<Call> live_;
  AttemptLog tried_;  // every attempt, filled in as calls end, and the fallbacks
  double cost_usd_ = 0;
  int64_t raw_tokens_;  // uncalibrated estimate of the prompt as the client sent it
  bool has_images_;
  bool has_tools_;              // tools offered, or tool calls and results in the history
  int64_t refused_window_ = 0;  // largest window whose provider said the prompt is too long
  int64_t chunks_sent_ = 0;
  // Why the last tier refused for lack of slots was refused, when one was: a request that
  // made no call for that reason is answered `overloaded`.
  std::string refused_for_capacity_;
  // Routes that keep fallback answers: the shortened prompt the answering model was sent.
  std::vector<Message> served_messages_;
};

}  // namespace switchyard
