// One provider kind (OpenAI chat completions, Anthropic messages): its URL, its auth, and
// which translator of wire/ speaks for it. No I/O happens here; the router hands the built
// call to http/ and the reply back to Parse().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.h"
#include "wire/outcome.h"
#include "wire/stream_decoder.h"

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

class Provider {
 public:
  virtual ~Provider() = default;
  // `messages` is the prompt to send: `req.messages`, or those shortened to fit the window.
  // `max_tokens` is already clamped to the model's limit. With `req.stream` the provider is
  // asked to stream, and NewStreamDecoder() reads what comes back.
  virtual HttpCallSpec Build(std::string_view model_id, const CompleteRequest& req,
                             const std::vector<Message>& messages, int64_t max_tokens) const = 0;
  virtual std::unique_ptr<StreamDecoder> NewStreamDecoder(const CompleteRequest& req) const = 0;
  virtual ParsedResponse Parse(const HttpReply& reply, const CompleteRequest& req) const = 0;
};

std::unique_ptr<Provider> MakeOpenAIProvider(ProviderEndpoint endpoint);
std::unique_ptr<Provider> MakeAnthropicProvider(ProviderEndpoint endpoint);

}  // namespace switchyard
