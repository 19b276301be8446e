// Azure OpenAI (POST {base_url}/openai/deployments/{id}/chat/completions?api-version=V, the
// key in the api-key header): OpenAI's wire format, where the model's id is the deployment's
// name. Its content filter is OpenAI's finish_reason "content_filter" on an answer, and a 400
// with code "content_filter" on a prompt (wire/error_body.h); its streams open with a chunk
// of prompt_filter_results and no choices, which the OpenAI decoder passes over.
#include "providers/provider.h"
#include "wire/openai_chat.h"

namespace switchyard {
namespace {

class AzureProvider final : public Provider {
 public:
  explicit AzureProvider(ProviderEndpoint endpoint) : endpoint_(std::move(endpoint)) {
    std::vector<std::string> headers{"Content-Type: application/json"};
    if (!endpoint_.api_key.empty()) headers.push_back("api-key: " + endpoint_.api_key);
    headers_ = std::make_shared<const std::vector<std::string>>(std::move(headers));
  }

  HttpCallSpec Build(std::string_view model_id, const CompleteRequest& req,
                     const std::vector<Message>& messages, int64_t max_tokens) const override {
    std::string url = endpoint_.base_url + "/openai/deployments/" + std::string(model_id) +
                      "/chat/completions?api-version=" + endpoint_.api_version;
    return HttpCallSpec{std::move(url), headers_,
                        EncodeOpenAIRequest(model_id, req, messages, max_tokens)};
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder(const CompleteRequest&) const override {
    return MakeOpenAIStreamDecoder();
  }

  ParsedResponse Parse(const HttpReply& reply, const CompleteRequest&) const override {
    return DecodeOpenAIResponse(reply);
  }

 private:
  ProviderEndpoint endpoint_;
  std::shared_ptr<const std::vector<std::string>> headers_;
};

}  // namespace

std::unique_ptr<Provider> MakeAzureProvider(ProviderEndpoint endpoint) {
  return std::make_unique<AzureProvider>(std::move(endpoint));
}

}  // namespace switchyard
