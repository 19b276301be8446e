// What every provider's failure has in common: reading an error body in any of the shapes
// seen in the wild, deciding what its status means, and bounding the reason it gives. (Keys
// never reach here: every byte from a provider was redacted as it entered, see
// http/redacting_http_client.h.)
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "wire/outcome.h"

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
// The same, of a body already parsed (an error inside a stream's event).
ErrorBody ReadErrorBody(simdjson::dom::element doc);

// True when an error's text says the prompt did not fit the model's context window.
bool SaysContextOverflow(const ErrorBody& e);

// True when an error says the server cannot take tools at all (a local server started
// without tool support: Ollama, vLLM, llama.cpp).
bool SaysNoToolSupport(const ErrorBody& e);

// Classifies a non-2xx reply: a server that cannot take tools is `unsupported`, Azure's
// content filter on the prompt `content_filter`, 429 rate limited, a context overflow by its
// words, 408/409/5xx server errors, 400/401/403/422 the client's, others bad responses.
// The reason is "http <status> <type>: <message>" (ReasonText).
ParsedResponse ClassifyHttpError(int64_t status, const ErrorBody& e);

struct HttpReply;
// A non-2xx reply of any provider: its error body classified, its Retry-After read.
ParsedResponse ParseErrorReply(const HttpReply& reply);

// Milliseconds to wait from Retry-After (seconds or an HTTP date) or retry-after-ms; -1 if
// neither is present or readable.
int64_t RetryAfterMs(std::string_view retry_after, std::string_view retry_after_ms,
                     int64_t wall_now_ms);

// A provider's words fit to pass on as a reason: at most 400 bytes (cut on a character
// boundary, "..." added), and valid UTF-8 (other bytes become '?'), since reasons travel as
// msgpack strings that clients decode as UTF-8.
std::string ReasonText(std::string text);

}  // namespace switchyard
