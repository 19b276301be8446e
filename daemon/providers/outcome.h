// How one attempt on one model ended, in the router's vocabulary. Providers and the router
// classify into it; the breaker and the history consume it.
#pragma once

#include <cstdint>
#include <string>

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
};

const char* OutcomeName(Outcome o);

// True when the next tier should be tried after this outcome.
inline bool IsFallback(Outcome o) { return o != Outcome::kOk && o != Outcome::kClientError; }

// What a provider's answer said, normalised across APIs.
struct Answer {
  std::string content;
  std::string finish_reason;  // "stop", "length", "content_filter", "tool_calls", ...
  Usage usage;
};

struct ParsedResponse {
  Outcome outcome = Outcome::kOk;
  std::string reason;           // for failures: short, human, secret-free
  int64_t retry_after_ms = -1;  // from Retry-After / retry-after-ms, when the provider sent one
  Answer answer;
};

}  // namespace switchyard
