// OpenAI chat completions (POST {base_url}/chat/completions), also spoken by vLLM,
// llama.cpp and most OpenAI-compatible servers: the URL and the bearer key; the wire format
// is wire/openai_chat.h's.
#include "providers/provider.h"
#include "wire/openai_chat.h"

namespace switchyard {
namespace {

class OpenAIProvider final : public Provider {
 public:
  explicit OpenAIProvider(ProviderEndpoint endpoint) : endpoint_(std::move(endpoint)) {
    url_ = endpoint_.base_url + "/chat/completions";
    std::vector<std::string> headers{"Content-Type: application/json"};
    if (!endpoint_.api_key.empty()) headers.push_back("Authorization: Bearer " + endpoint_.api_key);
    headers_ = std::make_shared<const std::vector<std::string>>(std::move(headers));
  }

  HttpCallSpec Build(std::string_view model_id, const CompleteRequest& req,
                     const std::vector<Message>& messages, int64_t max_tokens) const override {
    return HttpCallSpec{url_, headers_, EncodeOpenAIRequest(model_id, req, messages, max_tokens)};
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder(const CompleteRequest&) const override {
    return MakeOpenAIStreamDecoder();
  }

  ParsedResponse Parse(const HttpReply& reply, const CompleteRequest&) const override {
    return DecodeOpenAIResponse(reply);
  }

 private:
  ProviderEndpoint endpoint_;
  std::string url_;
  std::shared_ptr<const std::vector<std::string>> headers_;
};

}  // namespace

std::unique_ptr<Provider> MakeOpenAIProvider(ProviderEndpoint endpoint) {
  return std::make_unique<OpenAIProvider>(std::move(endpoint));
}

}  // namespace switchyard
