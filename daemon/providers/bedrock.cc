// AWS Bedrock's Converse API (POST {base_url}/model/{id}/converse, or /converse-stream),
// signed with SigV4 by libcurl (CURLOPT_AWS_SIGV4, service "bedrock"); a session token goes
// as x-amz-security-token, which the signature covers. With a Bedrock API key instead, the
// key is a bearer and nothing is signed. The wire format is wire/bedrock_converse.h's.
#include <cctype>

#include "providers/provider.h"
#include "wire/bedrock_converse.h"

namespace switchyard {
namespace {

// A model id in a URL path: Bedrock's hold ':' ("anthropic.claude-3-5-haiku-20241022-v1:0")
// and inference profiles' ARNs '/', which AWS's SDKs percent-encode.
std::string PathSegment(std::string_view id) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : id) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

class BedrockProvider final : public Provider {
 public:
  explicit BedrockProvider(ProviderEndpoint endpoint) : endpoint_(std::move(endpoint)) {
    std::vector<std::string> headers{"Content-Type: application/json"};
    if (!endpoint_.api_key.empty()) {
      // A Bedrock API key: a bearer, and no signature.
      headers.push_back("Authorization: Bearer " + endpoint_.api_key);
    } else {
      if (!endpoint_.aws_session_token.empty()) {
        headers.push_back("x-amz-security-token: " + endpoint_.aws_session_token);
      }
      aws_ = std::make_shared<const AwsSigning>(
          AwsSigning{"aws:amz:" + endpoint_.region + ":bedrock", endpoint_.aws_access_key_id,
                     endpoint_.aws_secret_access_key});
    }
    headers_ = std::make_shared<const std::vector<std::string>>(std::move(headers));
  }

  HttpCallSpec Build(std::string_view model_id, const CompleteRequest& req,
                     const std::vector<Message>& messages, int64_t max_tokens) const override {
    std::string url = endpoint_.base_url + "/model/" + PathSegment(model_id) +
                      (req.stream ? "/converse-stream" : "/converse");
    return HttpCallSpec{std::move(url), headers_, EncodeBedrockRequest(req, messages, max_tokens),
                        aws_};
  }

  std::string CannotCarry(const CompleteRequest& req) const override {
    return BedrockCannotCarry(req);
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder(const CompleteRequest& req) const override {
    return MakeBedrockStreamDecoder(req);
  }

  ParsedResponse Parse(const HttpReply& reply, const CompleteRequest& req) const override {
    return DecodeBedrockResponse(reply, req);
  }

 private:
  ProviderEndpoint endpoint_;
  std::shared_ptr<const std::vector<std::string>> headers_;
  std::shared_ptr<const AwsSigning> aws_;
};

}  // namespace

std::unique_ptr<Provider> MakeBedrockProvider(ProviderEndpoint endpoint) {
  return std::make_unique<BedrockProvider>(std::move(endpoint));
}

}  // namespace switchyard
