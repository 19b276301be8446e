// Local OpenAI-compatible servers (Ollama, vLLM, llama.cpp) with the errors they really send
// (tests/providers/testdata/openai-compatible): a server started without tool support skips
// the tier for this request only (unsupported, which no breaker counts), whatever status it
// chose (their context-length errors are in openai_test.cc).
#include <gtest/gtest.h>

#include "providers/provider.h"
#include "providers/testdata_util.h"

namespace switchyard {
namespace {

std::unique_ptr<Provider> Local() { return MakeOpenAIProvider({"http://127.0.0.1:11434/v1", ""}); }

TEST(LocalServers, NoKeyNoAuthorizationHeader) {
  CompleteRequest req;
  req.messages = {{"user", "Hello"}};
  HttpCallSpec call = Local()->Build("llama3.1", req, req.messages, 10);
  EXPECT_EQ(call.url, "http://127.0.0.1:11434/v1/chat/completions");
  for (const std::string& h : *call.headers)
    EXPECT_EQ(h.rfind("Authorization", 0), std::string::npos);
}

TEST(LocalServers, NoToolSupportIsUnsupportedNotAFailure) {
  struct Case {
    const char* file;
    int64_t status;
  } cases[] = {{"openai-compatible/ollama_error_no_tools.json", 400},
               {"openai-compatible/vllm_error_no_tool_parser.json", 400},
               {"openai-compatible/llamacpp_error_no_jinja.json", 500}};
  for (const Case& c : cases) {
    ParsedResponse r = ParseFixture(*Local(), c.status, c.file);
    EXPECT_EQ(r.outcome, Outcome::kUnsupported) << c.file << ": " << r.reason;
    EXPECT_TRUE(IsFallback(r.outcome)) << c.file;
  }
}

}  // namespace
}  // namespace switchyard
