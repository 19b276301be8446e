// The requests and results of switchyard's MessagePack-RPC methods, as plain structs shared
// by the daemon and the client library. schema/protocol.md is their contract; codec.h maps
// them to and from msgpack.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chat/chat.h"

namespace switchyard {

// The longest deadline a request may ask for: no attempt runs longer than an hour.
inline constexpr int64_t kMaxDeadlineMs = 3'600'000;

struct CompleteRequest {
  std::string route;
  std::vector<Message> messages;
  int64_t max_tokens = 0;
  std::optional<double> temperature;
  std::string task = "default";    // keys the latency history
  int64_t deadline_ms = 0;         // 0: the route's deadline
  bool stream = false;             // chunks come as "chunk" notifications before the result
  bool json = false;               // the answer must be JSON (JSON mode where the API has one)
  bool allow_length_stop = false;  // an answer cut off at max_tokens is acceptable
  // Opaque labels from the client, kept with the request; scalar values become strings.
  std::vector<std::pair<std::string, std::string>> metadata;
  // The rest of the chat (chat/chat.h): tools, a schema for the answer, and the sampling
  // parameters beyond temperature. Unset ones are not sent to providers.
  std::vector<Tool> tools;
  ToolChoice tool_choice;
  std::optional<bool> parallel_tool_calls;
  JsonSchemaFormat json_schema;  // set: `json` is implied, and the answer must follow it
  std::vector<std::string> stop;
  std::optional<double> top_p;
  std::optional<int64_t> seed;
  std::string user;              // the end user, as the client named them
  std::string reasoning_effort;  // OpenAI reasoning models: "minimal", "low", "medium", "high"
  // From the Anthropic door: sampling from the top k tokens (Anthropic tiers only), and
  // extended thinking as Anthropic's JSON ({"type": "enabled", "budget_tokens": N}), which
  // OpenAI tiers get as a reasoning_effort (docs/design.md).
  std::optional<int64_t> top_k;
  std::string thinking;
};

struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

// How a prompt was shortened to fit a model's context window (token counts are estimates,
// calibrated per model).
struct Truncation {
  int64_t tokens_before = 0;
  int64_t tokens_after = 0;
  int64_t dropped_messages = 0;  // oldest turns left out
  int64_t cut_chars = 0;         // bytes cut from the middle of the longest message
};

// One model call made for a request, successful or not.
struct AttemptReport {
  std::string model;
  std::string outcome;  // "ok", "timeout", "server_error", ... (schema/protocol.md)
  int64_t latency_ms = 0;
  std::string reason;       // human detail; empty when outcome is "ok"
  int64_t http_status = 0;  // 0 when no HTTP status was received
  Usage usage;
  double cost_usd = 0;
  int64_t timeout_ms = 0;  // the (soft) timeout it was given; 0 for a tier not called
  bool truncated = false;  // the prompt sent was shortened; `truncation` says how
  Truncation truncation;
  int64_t ttft_ms = 0;  // streams: time to the first chunk of text; 0 if none came
  // The last tier that could be called: kept past `timeout_ms` (to the ceiling or deadline)
  // instead of being cut off with nothing left to try.
  bool last_tier = false;
};

struct CompleteResult {
  int64_t request_id = 0;  // requests.id in the history
  std::string model;       // the model that served
  std::string content;
  std::string finish_reason;  // normalised: "stop", "length", "content_filter", ...
  Usage usage;
  int64_t latency_ms = 0;
  double cost_usd = 0;     // all attempts of the request
  bool truncated = false;  // the prompt the answering model saw was shortened
  Truncation truncation;
  std::vector<AttemptReport> attempts;
  std::vector<ToolCall> tool_calls;  // the functions the model called (finish_reason tool_calls)
};

// A piece of a streamed answer, sent as a "chunk" notification before the final response.
struct StreamChunk {
  uint32_t msgid = 0;  // the complete request it belongs to
  int64_t index = 0;   // 0, 1, 2, ... per request
  std::string content;
  // A piece of a tool call instead of text: the call's number among this answer's calls
  // (0, 1, ...), its id and name on its first piece, and a piece of its arguments.
  std::vector<ToolCallDelta> tool_calls;
};

// The error half of a response. `code` is stable (schema/protocol.md lists them).
struct RpcError {
  int64_t request_id = 0;  // for errors of a routed request: requests.id in the history
  std::string code;
  std::string message;
  int64_t http_status = 0;  // for request_rejected: the provider's status
  std::vector<AttemptReport> attempts;
};

// Latency learned for one (model, task) and the timeout it gives.
// What was learned of one (model, task): answers' latency and, for streams, the time to the
// first text, each with the timeout in force.
struct TaskStatus {
  std::string task;
  int64_t samples = 0;
  double p50_ms = 0;
  double p95_ms = 0;
  int64_t timeout_ms = 0;
  double censored_share = 0;    // of the samples, those cut off at their timeout
  int64_t frozen_since_ms = 0;  // wall clock; 0: not frozen (resilience/timeout_policy.h)
  int64_t first_token_samples = 0;
  double first_token_p95_ms = 0;
  int64_t first_token_timeout_ms = 0;
  double first_token_censored_share = 0;
  int64_t first_token_frozen_since_ms = 0;
  // Where timeout_ms comes from: "default" (too few samples), "learned" (this host's own),
  // or "fleet" (its own plus the other hosts', its own being too few).
  std::string timeout_source = "default";
  int64_t fleet_samples = 0;  // the other hosts' samples, when a fleet shares them
};

struct ModelStatus {
  std::string name;
  std::string provider;
  std::string breaker = "closed";  // closed, open, half_open
  double failure_rate = 0;         // over the breaker's window
  double slow_call_rate = 0;
  int64_t window_calls = 0;
  int64_t half_open_in_ms = 0;  // when open: time left before a probe may go
  int64_t timeout_ms = 0;       // the timeout an attempt on it would get now
  int64_t in_flight = 0;
  std::vector<TaskStatus> tasks;
};

struct HistoryStatus {
  bool enabled = false;
  int64_t queued_rows = 0;
  int64_t written_rows = 0;
  int64_t dropped_rows = 0;
  int64_t write_errors = 0;
};

// A route's spending against its daily budget.
struct RouteStatus {
  std::string name;
  double budget_usd_per_day = 0;  // 0: no budget
  double spent_today_usd = 0;     // since 00:00 UTC
  bool over_budget = false;       // requests start at `start_tier` instead of the first tier
  std::string start_tier;         // the model requests start at now
};

// The link to the fleet's Redis (fleet/fleet.h).
struct FleetStatus {
  std::string state = "off";   // off, connecting, up, down
  std::string redis;           // the address, as configured (it never holds a password)
  std::string name;            // the key prefix
  std::string host;            // this host's name in the fleet
  int64_t since_ms = 0;        // wall clock: when the link entered its state
  std::string last_error;      // why it last went down
  int64_t hosts = 0;           // hosts whose latency summaries are fresh, this one included
  int64_t events_sent = 0;     // breaker verdicts published
  int64_t events_applied = 0;  // other hosts' verdicts applied here
  int64_t reconnects = 0;
};

struct StatusResult {
  std::string version;
  int64_t uptime_ms = 0;
  int64_t requests_in_flight = 0;
  int64_t connections = 0;
  std::vector<ModelStatus> models;
  std::vector<RouteStatus> routes;
  HistoryStatus history;
  FleetStatus fleet;
};

}  // namespace switchyard
