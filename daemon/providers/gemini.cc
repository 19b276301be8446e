// Google's Gemini API (POST {base_url}/models/{id}:generateContent, or
// :streamGenerateContent?alt=sse for a stream), the key in the x-goog-api-key header; the
// wire format is wire/gemini_chat.h's.
#include "providers/provider.h"
#include "wire/gemini_chat.h"

namespace switchyard {
namespace {

class GeminiProvider final : public Provider {
 public:
  explicit GeminiProvider(ProviderEndpoint endpoint) : endpoint_(std::move(endpoint)) {
    std::vector<std::string> headers{"Content-Type: application/json"};
    if (!endpoint_.api_key.empty()) headers.push_back("x-goog-api-key: " + endpoint_.api_key);
    headers_ = std::make_shared<const std::vector<std::string>>(std::move(headers));
  }

  HttpCallSpec Build(std::string_view model_id, const CompleteRequest& req,
                     const std::vector<Message>& messages, int64_t max_tokens) const override {
    // Google names models "models/gemini-2.5-flash"; either form is taken.
    if (model_id.rfind("models/", 0) == 0) model_id.remove_prefix(7);
    std::string url = endpoint_.base_url + "/models/" + std::string(model_id) +
                      (req.stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
    return HttpCallSpec{std::move(url), headers_, EncodeGeminiRequest(req, messages, max_tokens)};
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder(const CompleteRequest&) const override {
    return MakeGeminiStreamDecoder();
  }

  ParsedResponse Parse(const HttpReply& reply, const CompleteRequest&) const override {
    return DecodeGeminiResponse(reply);
  }

 private:
  ProviderEndpoint endpoint_;
  std::shared_ptr<const std::vector<std::string>> headers_;
};

}  // namespace

std::unique_ptr<Provider> MakeGeminiProvider(ProviderEndpoint endpoint) {
  return std::make_unique<GeminiProvider>(std::move(endpoint));
}

}  // namespace switchyard
