// The history: what the router hands over to be kept. An interface, so the router can be
// tested without SQLite (tests/fakes/memory_store.h); SqliteStore is the real one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace switchyard {

// A model call, or a tier passed over without one (`called` false: its breaker was open, its
// provider full, the prompt too long for its window), kept since it explains a fallback.
struct AttemptRecord {
  int64_t ts_ms = 0;  // wall clock, when it started
  std::string model;
  int64_t latency_ms = 0;
  std::string outcome;
  std::string reason;
  int64_t http_status = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  double cost_usd = 0;
  int64_t timeout_ms = 0;
  bool stream = false;
  int64_t ttft_ms = -1;  // streams: time to the first text; -1 if none came
  bool truncated = false;
  int64_t tokens_before = 0;  // calibrated estimates of the prompt as given and as sent
  int64_t tokens_after = 0;
  int64_t est_tokens = 0;  // uncalibrated estimate of the prompt sent
  bool called = true;
  bool last_tier = false;  // kept past its soft timeout: nothing else could be called
  bool probe = false;      // a half-open breaker's probe, a copy nobody waited on
  int64_t tool_calls = 0;  // tool calls its answer held
};

// A move from one model to another within a request: after a failure, a skip (breaker
// open, overloaded), or a hedge started at a soft timeout (reason "hedge").
struct FallbackRecord {
  int64_t ts_ms = 0;
  std::string from_model;
  std::string to_model;
  std::string reason;  // the outcome that made the router move on, or "hedge"
  std::string detail;
};

// One client request, every attempt made for it, and every fallback between them.
struct RequestRecord {
  int64_t id = 0;
  int64_t ts_ms = 0;
  std::string route;
  std::string task;
  std::string served_by;  // empty when no model answered
  std::string outcome;    // "ok" or the error code
  int64_t latency_ms = 0;
  double cost_usd = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  bool truncated = false;
  std::string error;
  int64_t tools_offered = 0;  // tools the request offered
  int64_t tool_calls = 0;     // tool calls in the answer returned
  std::vector<AttemptRecord> attempts;
  std::vector<FallbackRecord> fallbacks;
};

struct BreakerTransitionRecord {
  int64_t ts_ms = 0;
  std::string model;
  std::string from_state;
  std::string to_state;
  std::string reason;
  int64_t open_until_ms = 0;  // 0: not open
};

// The prompt and answer of a request a model other than its route's first tier served, for
// routes with keep_fallback_answers (they hold user text: off by default).
struct FallbackAnswerRecord {
  int64_t request_id = 0;
  int64_t ts_ms = 0;  // when the request started
  std::string route;
  std::string task;
  std::string served_by;
  std::string first_tier;
  std::string reason;         // why the first tier did not serve
  std::string messages_json;  // as sent to served_by
  bool truncated = false;
  std::string content;
  std::string finish_reason;
  std::string
      tool_calls_json;  // the answer's tool calls, [{"id", "name", "arguments"}]; "" if none
};

struct StoreStats {
  int64_t queued_rows = 0;    // not yet on file: queued, or in a write not yet committed
  int64_t written_rows = 0;   // committed since start
  int64_t dropped_rows = 0;   // lost: queue full or a failed write; each is also logged
  int64_t write_errors = 0;   // failed transactions
  bool writer_idle = false;   // the writer takes only CPU no one else wants (writer_priority.h)
  int64_t writer_yields = 0;  // times the writer gave its core away mid-write (CoreYielder)
};

class Store {
 public:
  virtual ~Store() = default;
  // Never blocks the caller; a full queue drops the rows and counts them.
  virtual void RecordRequest(RequestRecord&& r) = 0;
  virtual void RecordBreakerTransition(BreakerTransitionRecord&& t) = 0;
  // A probe's attempt, written when it ends (after the request that carried it, usually):
  // an attempts row of request `request_id` with seq -1; its cost counts to `route`'s spend.
  virtual void RecordProbe(int64_t request_id, const std::string& route, const std::string& task,
                           AttemptRecord&& a) = 0;
  virtual void RecordFallbackAnswer(FallbackAnswerRecord&& a) = 0;
  virtual StoreStats Stats() const = 0;
};

}  // namespace switchyard
