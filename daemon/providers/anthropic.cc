// Anthropic messages (POST {base_url}/messages): the URL, the x-api-key header and the API
// version; the wire format is wire/anthropic_messages.h's.
#include "providers/provider.h"
#include "wire/anthropic_messages.h"

namespace switchyard {
namespace {

class AnthropicProvider final : public Provider {
 public:
  explicit AnthropicProvider(ProviderEndpoint endpoint) : endpoint_(std::move(endpoint)) {
    url_ = endpoint_.base_url + "/messages";
    std::vector<std::string> headers{"content-type: application/json",
                                     "anthropic-version: 2023-06-01"};
    if (!endpoint_.api_key.empty()) headers.push_back("x-api-key: " + endpoint_.api_key);
    headers_ = std::make_shared<const std::vector<std::string>>(std::move(headers));
  }

  HttpCallSpec Build(std::string_view model_id, const CompleteRequest& req,
                     const std::vector<Message>& messages, int64_t max_tokens) const override {
    return HttpCallSpec{url_, headers_,
                        EncodeAnthropicRequest(model_id, req, messages, max_tokens)};
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder(const CompleteRequest& req) const override {
    return MakeAnthropicStreamDecoder(req);
  }

  ParsedResponse Parse(const HttpReply& reply, const CompleteRequest& req) const override {
    return DecodeAnthropicResponse(reply, req);
  }

 private:
  ProviderEndpoint endpoint_;
  std::string url_;
  std::shared_ptr<const std::vector<std::string>> headers_;
};

}  // namespace

std::unique_ptr<Provider> MakeAnthropicProvider(ProviderEndpoint endpoint) {
  return std::make_unique<AnthropicProvider>(std::move(endpoint));
}

}  // namespace switchyard
