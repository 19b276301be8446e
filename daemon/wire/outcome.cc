#include "wire/outcome.h"

namespace switchyard {

const char* OutcomeName(Outcome o) {
  switch (o) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kTimeout:
      return "timeout";
    case Outcome::kConnectError:
      return "connect_error";
    case Outcome::kTransportError:
      return "transport_error";
    case Outcome::kRateLimited:
      return "rate_limited";
    case Outcome::kServerError:
      return "server_error";
    case Outcome::kBadResponse:
      return "bad_response";
    case Outcome::kContextOverflow:
      return "context_overflow";
    case Outcome::kClientError:
      return "client_error";
    case Outcome::kCancelled:
      return "cancelled";
    case Outcome::kBreakerOpen:
      return "breaker_open";
    case Outcome::kOverloaded:
      return "overloaded";
    case Outcome::kEmptyAnswer:
      return "empty_answer";
    case Outcome::kLengthLimit:
      return "length_limit";
    case Outcome::kContentFilter:
      return "content_filter";
    case Outcome::kIncompleteStream:
      return "incomplete_stream";
    case Outcome::kInvalidJson:
      return "invalid_json";
    case Outcome::kRepetition:
      return "repetition";
    case Outcome::kInvalidToolCall:
      return "invalid_tool_call";
    case Outcome::kSchemaMismatch:
      return "schema_mismatch";
    case Outcome::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

}  // namespace switchyard
