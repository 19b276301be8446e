// What every provider's failure has in common: reading an error body in any of the shapes
// seen in the wild, deciding what its status means, and keeping secrets out of the reason.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "providers/outcome.h"

namespace switchyard {

// Fields of an error body; each may be empty. Accepts OpenAI's {"error":{message,type,code}},
// Anthropic's {"type":"error","error":{type,message}}, vLLM's flat {"object":"error",...},
// numeric codes, and bodies that are not JSON at all.
struct ErrorBody {
  std::string message;
  std::string type;
  std::string code;
};
ErrorBody ReadErrorBody(std::string_view body);

// True when an error's text says the prompt did not fit the model's context window.
bool SaysContextOverflow(const ErrorBody& e);

// Classifies a non-2xx reply. The reason is "http <status> <type>: <message>", redacted.
ParsedResponse ClassifyHttpError(int64_t status, const ErrorBody& e, std::string_view api_key);

struct HttpReply;
// A non-2xx reply of any provider: its error body classified, its Retry-After read.
ParsedResponse ParseErrorReply(const HttpReply& reply, std::string_view api_key);

// Milliseconds to wait from Retry-After (seconds or an HTTP date) or retry-after-ms; -1 if
// neither is present or readable.
int64_t RetryAfterMs(std::string_view retry_after, std::string_view retry_after_ms,
                     int64_t wall_now_ms);

// Removes `api_key` and any key a provider echoes back ("Incorrect API key provided: sk-…")
// from `text`, and bounds its length.
std::string Redact(std::string text, std::string_view api_key);

}  // namespace switchyard
