// OpenAI chat completions (POST {base_url}/chat/completions), also spoken by vLLM,
// llama.cpp and most OpenAI-compatible servers: the URL and the bearer key; the wire format
// is wire/openai_chat.h's. Azure OpenAI is the same wire at a deployment's URL
// ({base_url}/openai/deployments/{id}/chat/completions?api-version=V, the model's id being
// the deployment's name) with the key in an api-key header. Its content filter is OpenAI's
// finish_reason "content_filter" on an answer, and a 400 with code "content_filter" on a
// prompt (wire/error_body.h); its streams open with a chunk of prompt_filter_results and no
// choices, which the OpenAI decoder passes over.
#include <functional>

#include "providers/provider.h"
#include "wire/openai_chat.h"

namespace switchyard {
namespace {

class OpenAIProvider final : public Provider {
 public:
  // `url_of` makes a model's URL from its id; `auth` is the key's header line, if any.
  OpenAIProvider(std::function<std::string(std::string_view)> url_of, std::string auth)
      : url_of_(std::move(url_of)) {
    std::vector<std::string> headers{"Content-Type: application/json"};
    if (!auth.empty()) headers.push_back(std::move(auth));
    headers_ = std::make_shared<const std::vector<std::string>>(std::move(headers));
  }

  HttpCallSpec Build(std::string_view model_id, const CompleteRequest& req,
                     const std::vector<Message>& messages, int64_t max_tokens) const override {
    return HttpCallSpec{url_of_(model_id), headers_,
                        EncodeOpenAIRequest(model_id, req, messages, max_tokens)};
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder(const CompleteRequest&) const override {
    return MakeOpenAIStreamDecoder();
  }

  ParsedResponse Parse(const HttpReply& reply, const CompleteRequest&) const override {
    return DecodeOpenAIResponse(reply);
  }

 private:
  std::function<std::string(std::string_view)> url_of_;
  std::shared_ptr<const std::vector<std::string>> headers_;
};

}  // namespace

std::unique_ptr<Provider> MakeOpenAIProvider(ProviderEndpoint endpoint) {
  std::string url = endpoint.base_url + "/chat/completions";
  return std::make_unique<OpenAIProvider>(
      [url](std::string_view) { return url; },
      endpoint.api_key.empty() ? "" : "Authorization: Bearer " + endpoint.api_key);
}

std::unique_ptr<Provider> MakeAzureProvider(ProviderEndpoint endpoint) {
  return std::make_unique<OpenAIProvider>(
      [base = endpoint.base_url, version = endpoint.api_version](std::string_view id) {
        return base + "/openai/deployments/" + std::string(id) +
               "/chat/completions?api-version=" + version;
      },
      endpoint.api_key.empty() ? "" : "api-key: " + endpoint.api_key);
}

}  // namespace switchyard
