// One provider kind (OpenAI chat completions, Anthropic messages, Gemini, Azure OpenAI,
// Bedrock Converse): its URL, its auth, and
// which translator of wire/ speaks for it. No I/O happens here; the router hands the built
// call to http/ and the reply back to Parse().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_client.h"
#include "protocol/messages.h"
#include "wire/outcome.h"
#include "wire/stream_decoder.h"

namespace switchyard {

struct ProviderEndpoint {
  std::string base_url;       // up to and including the version segment, no trailing slash
  std::string api_key;        // may be empty (local servers); sent in the provider's auth header
  std::string api_version{};  // Azure's api-version
  // Bedrock: the region, and the AWS credentials calls are signed with.
  std::string region{};
  std::string aws_access_key_id{};
  std::string aws_secret_access_key{};
  std::string aws_session_token{};  // may be empty
};

struct HttpCallSpec {
  std::string url;
  // "Name: value": the provider's own, the same on every call, so shared rather than copied.
  std::shared_ptr<const std::vector<std::string>> headers;
  std::string body;
  // Set: libcurl signs the call with SigV4 (Bedrock).
  std::shared_ptr<const AwsSigning> aws{};
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
  // Why this provider cannot carry `req` at all ("" when it can): the tier is skipped with
  // that reason (outcome unsupported) rather than sent something else.
  virtual std::string CannotCarry(const CompleteRequest&) const { return ""; }
};

std::unique_ptr<Provider> MakeOpenAIProvider(ProviderEndpoint endpoint);
std::unique_ptr<Provider> MakeAnthropicProvider(ProviderEndpoint endpoint);
std::unique_ptr<Provider> MakeGeminiProvider(ProviderEndpoint endpoint);
std::unique_ptr<Provider> MakeAzureProvider(ProviderEndpoint endpoint);
std::unique_ptr<Provider> MakeBedrockProvider(ProviderEndpoint endpoint);

}  // namespace switchyard
