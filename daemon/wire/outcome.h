// How one attempt on one model ended, in the router's vocabulary. Providers and the router
// classify into it; the breaker and the history consume it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.h"

namespace switchyard {

enum class Outcome {
  kOk,
  kTimeout,          // cut off by the attempt's timeout
  kConnectError,     // no connection could be made; nothing was sent
  kTransportError,   // connection reset, truncated body, TLS failure, ...
  kRateLimited,      // HTTP 429
  kServerError,      // HTTP 5xx, 408, 409, 529
  kBadResponse,      // 2xx whose body is not a valid answer
  kContextOverflow,  // the prompt did not fit this model's window
  kClientError,      // 400/401/403/...: the request's own fault; not fallen back on
  kCancelled,        // abandoned by the router (another attempt won, shutdown)
  kBreakerOpen,      // not called: its circuit breaker is open
  kOverloaded,       // not called: its provider has max_in_flight calls already
  // Partial failures: the provider answered 200, but the answer is no good (answer/).
  kEmptyAnswer,       // no text, no output tokens
  kLengthLimit,       // cut off at the token limit when the client did not allow it
  kContentFilter,     // stopped by the provider's content filter
  kIncompleteStream,  // the stream ended without the provider's final event
  kInvalidJson,       // a JSON answer was asked for; this is not JSON
  kRepetition,        // degenerate: one passage repeated over and over
  kInvalidToolCall,   // a tool call with arguments that are not JSON, off its schema, or to
                      // a tool the request did not offer
  kSchemaMismatch,    // a json_schema answer that does not follow the schema
  kUnsupported,       // not called: the model lacks what the request needs (vision, ...)
};

const char* OutcomeName(Outcome o);

// True when the next tier should be tried after this outcome.
inline bool IsFallback(Outcome o) { return o != Outcome::kOk && o != Outcome::kClientError; }

// What a provider's answer said, normalised across APIs.
struct Answer {
  std::string content;
  std::string finish_reason;  // "stop", "length", "content_filter", "tool_calls", ...
  Usage usage;
  std::vector<ToolCall> tool_calls;
};

struct ParsedResponse {
  Outcome outcome = Outcome::kOk;
  std::string reason;           // for failures: short, human, secret-free
  int64_t retry_after_ms = -1;  // from Retry-After / retry-after-ms, when the provider sent one
  Answer answer;
};

// The parts of a finished HTTP exchange that classification needs.
struct HttpReply {
  int64_t status = 0;
  std::string_view body;
  std::string_view retry_after;     // Retry-After header, or empty
  std::string_view retry_after_ms;  // retry-after-ms header (OpenAI's SDKs read it), or empty
  std::string_view error_type;      // x-amzn-ErrorType (AWS), or empty
  int64_t wall_now_ms = 0;          // to resolve a Retry-After given as an HTTP date
  // Spare bytes readable after body.data() + body.size(); simdjson parses in place when
  // there are enough, and copies otherwise.
  size_t body_capacity = 0;
};

}  // namespace switchyard
