// The Azure OpenAI provider: its deployment URL and api-key header around OpenAI's format,
// and its content filter, on a prompt (a 400) and on an answer.
#include <gtest/gtest.h>

#include "providers/provider.h"
#include "providers/testdata_util.h"

namespace switchyard {
namespace {

std::unique_ptr<Provider> Azure() {
  ProviderEndpoint ep{"https://myres.openai.azure.com", "azure-key-1"};
  ep.api_version = "2024-10-21";
  return MakeAzureProvider(std::move(ep));
}

ParsedResponse Parse(int64_t status, std::string body) {
  return ParseReply(*Azure(), status, std::move(body));
}

TEST(Azure, DeploymentUrlAndApiKeyHeader) {
  CompleteRequest req;
  req.messages = {{"user", "Hello"}};
  HttpCallSpec call = Azure()->Build("gpt-4o-prod", req, req.messages, 100);
  EXPECT_EQ(call.url,
            "https://myres.openai.azure.com/openai/deployments/gpt-4o-prod/chat/completions"
            "?api-version=2024-10-21");
  ASSERT_NE(call.headers, nullptr);
  EXPECT_TRUE(HasHeader(call, "api-key: azure-key-1"));
  for (const std::string& h : *call.headers) {
    EXPECT_EQ(h.rfind("Authorization", 0), std::string::npos) << "Azure takes api-key, not " << h;
  }
  EXPECT_NE(call.body.find(R"("messages":[{"role":"user","content":"Hello"}])"), std::string::npos);
}

TEST(Azure, AFilteredPromptIsAContentFilterOutcome) {
  ParsedResponse r = Parse(
      400,
      R"({"error":{"message":"The response was filtered due to the prompt triggering Azure OpenAI's )"
      R"(content management policy.","type":null,"param":"prompt","code":"content_filter",)"
      R"("status":400,"innererror":{"code":"ResponsibleAIPolicyViolation"}}})");
  EXPECT_EQ(r.outcome, Outcome::kContentFilter);
  EXPECT_NE(r.reason.find("content management policy"), std::string::npos) << r.reason;
  // Any other 400 stays the request's own fault.
  EXPECT_EQ(Parse(400, R"({"error":{"message":"bad temperature","code":"invalid_value"}})").outcome,
            Outcome::kClientError);
}

TEST(Azure, AFilteredAnswerSaysSo) {
  ParsedResponse r = Parse(
      200,
      R"({"choices":[{"content_filter_results":{"hate":{"filtered":true,"severity":"high"}},)"
      R"("finish_reason":"content_filter","index":0,"message":{"content":null,"role":"assistant"}}],)"
      R"("prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}],)"
      R"("usage":{"prompt_tokens":10,"completion_tokens":0,"total_tokens":10}})");
  ASSERT_EQ(r.outcome, Outcome::kOk) << r.reason;  // the answer check makes it content_filter
  EXPECT_EQ(r.answer.finish_reason, "content_filter");
}

}  // namespace
}  // namespace switchyard
