// One upstream API (OpenAI chat completions, Anthropic messages): how to build its HTTP
// request from a CompleteRequest, and how to read what came back. No I/O happens here; the
// router hands the built call to http/ and the reply back to Parse().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.h"
#include "providers/outcome.h"
#include "providers/stream_decoder.h"

namespace switchyard {

struct ProviderEndpoint {
  std::string base_url;  // up to and including the version segment, no trailing slash
  std::string api_key;   // may be empty (local servers); sent in the provider's auth header
};

struct HttpCallSpec {
  std::string url;
  // "Name: value": the provider's own, the same on every call, so shared rather than copied.
  std::shared_ptr<const std::vector<std::string>> headers;
  std::string body;
};

// The parts of a finished HTTP exchange that classification needs.
struct HttpReply {
  int64_t status = 0;
  std::string_view body;
  std::string_view retry_after;     // Retry-After header, or empty
  std::string_view retry_after_ms;  // retry-after-ms header (OpenAI's SDKs read it), or empty
  int64_t wall_now_ms = 0;          // to resolve a Retry-After given as an HTTP date
  // Spare bytes readable after body.data() + body.size(); simdjson parses in place when
  // there are enough, and copies otherwise.
  size_t body_capacity = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;
  // `messages` is the prompt to send: `req.messages`, or those shortened to fit the window.
  // `max_tokens` is already clamped to the model's limit. With `req.stream` the provider is
  // asked to stream, and NewStreamDecoder() reads what comes back.
  virtual HttpCallSpec Build(std::string_view model_id, const CompleteRequest& req,
                             const std::vector<Message>& messages, int64_t max_tokens) const = 0;
  virtual std::unique_ptr<StreamDecoder> NewStreamDecoder() const = 0;
  virtual ParsedResponse Parse(const HttpReply& reply) const = 0;
};

std::unique_ptr<Provider> MakeOpenAIProvider(ProviderEndpoint endpoint);
// Anthropic's stop reasons in the OpenAI-style words the protocol reports.
std::string AnthropicFinishReason(std::string_view stop_reason);
std::unique_ptr<Provider> MakeAnthropicProvider(ProviderEndpoint endpoint);

}  // namespace switchyard
