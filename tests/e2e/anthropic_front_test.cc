// The Anthropic-compatible door end to end: the real daemon and fake provider, curl and the
// official Anthropic SDK for Node. Answers, streams and errors in Anthropic's shapes whoever
// served; fallback before the first byte; the key as x-api-key; count_tokens.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "http_front.h"
#include "wire/json_util.h"

namespace switchyard::e2e {
namespace {

class AnthropicFront : public HttpFront {
 protected:
  // Route "chat" has its OpenAI tiers first; route "claude" its Anthropic one.
  void StartWithRoutes(const std::string& http_more = "") {
    ClusterOptions o;
    o.model_toml["claude-haiku"] = "vision = true";
    o.model_toml["gpt-4o"] = "vision = true";
    o.extra_toml = "[routes.claude]\ntiers = [\"claude-haiku\", \"gpt-4o\"]\n";
    Start(o, http_more);
  }
  std::string PostTo(const std::string& path, const std::string& body,
                     std::vector<std::string> headers = {}) {
    std::vector<std::string> argv = {"/usr/bin/curl",
                                     "-sS",
                                     "-N",
                                     "-D",
                                     "-",
                                     "-H",
                                     "Content-Type: application/json",
                                     "-H",
                                     "anthropic-version: 2023-06-01"};
    for (const std::string& h : headers) {
      argv.push_back("-H");
      argv.push_back(h);
    }
    argv.insert(argv.end(), {"--data-binary", body, Url(path)});
    return Run(argv);
  }
};

std::string Body(const std::string& out) {
  size_t at = out.find("\r\n\r\n");
  return at == std::string::npos ? "" : out.substr(at + 4);
}

const char* kStory =
    R"({"model":"claude","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"a story"}]})";
const char* kHello =
    R"({"model":"claude","max_tokens":64,"messages":[{"role":"user","content":"Say hello"}]})";

TEST_F(AnthropicFront, AMessageInAnthropicsShapeFromEitherProvider) {
  StartWithRoutes();
  for (const char* fault : {"mode=ok", "mode=error&status=529"}) {
    SCOPED_TRACE(fault);
    cluster_->fake().SetFault("claude-3-5-haiku-latest", fault);
    bool fell = std::string(fault) != "mode=ok";
    std::string out = PostTo("/v1/messages", kHello);
    std::string body = Body(out);
    ASSERT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
    EXPECT_NE(out.find(std::string("x-switchyard-model: ") + (fell ? "gpt-4o" : "claude-haiku")),
              std::string::npos)
        << out;
    EXPECT_NE(out.find(std::string("x-switchyard-fallbacks: ") + (fell ? "1" : "0")),
              std::string::npos);
    EXPECT_EQ(JsonAt(body, "/type"), R"("message")");
    EXPECT_EQ(JsonAt(body, "/role"), R"("assistant")");
    EXPECT_EQ(JsonAt(body, "/model"), fell ? R"("gpt-4o")" : R"("claude-haiku")");
    EXPECT_EQ(JsonAt(body, "/content/0/type"), R"("text")");
    EXPECT_EQ(JsonAt(body, "/stop_reason"), R"("end_turn")");
    EXPECT_EQ(JsonAt(body, "/stop_sequence"), "null");
    EXPECT_NE(JsonAt(body, "/usage/input_tokens"), "0");
    EXPECT_EQ(JsonAt(body, "/id").rfind("\"msg_sy_", 0), 0u);
  }
}

TEST_F(AnthropicFront, AStreamFallsBackBeforeItsFirstByteAndKeepsAnthropicsOrder) {
  StartWithRoutes();
  cluster_->fake().SetFault("claude-3-5-haiku-latest", "mode=error&status=529");
  std::string out = PostTo("/v1/messages", kStory);
  ASSERT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(out.find("x-switchyard-model: gpt-4o"), std::string::npos) << out;
  std::string body = Body(out);
  std::vector<std::string> order;
  for (size_t at = 0; (at = body.find("event: ", at)) != std::string::npos; at += 7) {
    std::string name = body.substr(at + 7, body.find('\n', at) - at - 7);
    if (order.empty() || order.back() != name) order.push_back(name);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"message_start", "ping", "content_block_start",
                                             "content_block_delta", "content_block_stop",
                                             "message_delta", "message_stop"}))
      << body;
  EXPECT_NE(body.find(R"("model":"gpt-4o")"), std::string::npos);
  EXPECT_NE(body.find(R"("stop_reason":"end_turn")"), std::string::npos);
}

TEST_F(AnthropicFront, AStreamBrokenAfterItsFirstByteEndsWithAnErrorEvent) {
  StartWithRoutes();
  cluster_->fake().SetFault("claude-3-5-haiku-latest", "mode=cut&chunk_ms=5");
  std::string out = PostTo("/v1/messages", kStory);
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("event: content_block_delta"), std::string::npos);
  EXPECT_NE(out.find("event: error\ndata: {\"type\":\"error\",\"error\":{"), std::string::npos)
      << out;
  EXPECT_EQ(out.find("event: message_stop"), std::string::npos);
}

TEST_F(AnthropicFront, AnOpenStreamPingsAsAnthropicsDo) {
  StartWithRoutes("stream_ping_ms = 20\n");
  cluster_->fake().SetFault("claude-3-5-haiku-latest", "chunk_ms=40");
  std::string body = Body(PostTo("/v1/messages", kStory));
  // One ping after message_start, then one every 20 ms while the text comes every 40.
  size_t first_delta = body.find("event: content_block_delta");
  ASSERT_NE(first_delta, std::string::npos) << body;
  size_t pings_after = 0;
  for (size_t at = first_delta; (at = body.find("event: ping\n", at)) != std::string::npos; ++at) {
    ++pings_after;
  }
  EXPECT_GE(pings_after, 2u) << body;
  EXPECT_LT(body.rfind("event: ping"), body.find("event: message_stop")) << body;
}

TEST_F(AnthropicFront, ErrorsInAnthropicsShape) {
  testbed::TempDir keys;
  testbed::WriteFile(keys.File("key"), "sk-ant-door\n");
  StartWithRoutes("api_key_file = \"" + keys.File("key") + "\"\nmax_body_bytes = 4096\n");
  std::string out = PostTo("/v1/messages", kHello);
  EXPECT_EQ(out.rfind("HTTP/1.1 401", 0), 0u) << out;
  EXPECT_EQ(JsonAt(Body(out), "/type"), R"("error")");
  EXPECT_EQ(JsonAt(Body(out), "/error/type"), R"("authentication_error")");
  // Anthropic's SDK sends x-api-key; a bearer works as on the other door.
  out = PostTo("/v1/messages", kHello, {"x-api-key: sk-ant-door"});
  EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;
  out = PostTo("/v1/messages", kHello, {"Authorization: Bearer sk-ant-door"});
  EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;

  out = PostTo("/v1/messages", R"({"model":"claude","messages":[{"role":"user","content":"hi"}]})",
               {"x-api-key: sk-ant-door"});
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_EQ(JsonAt(Body(out), "/error/type"), R"("invalid_request_error")");
  EXPECT_EQ(JsonAt(Body(out), "/error/message"), R"("max_tokens: Field required")");

  out = PostTo("/v1/messages",
               R"({"model":"nope","max_tokens":8,"messages":[{"role":"user","content":"hi"}]})",
               {"x-api-key: sk-ant-door"});
  EXPECT_EQ(out.rfind("HTTP/1.1 404", 0), 0u) << out;
  EXPECT_EQ(JsonAt(Body(out), "/error/type"), R"("not_found_error")");

  out = PostTo("/v1/messages", std::string(5000, ' '), {"x-api-key: sk-ant-door"});
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out;
  EXPECT_EQ(JsonAt(Body(out), "/error/type"), R"("request_too_large")");

  for (const char* m : {"gpt-4o", "gpt-4o-mini", "claude-3-5-haiku-latest"}) {
    cluster_->fake().SetFault(m, "mode=error&status=529");
  }
  out = PostTo("/v1/messages", kHello, {"x-api-key: sk-ant-door"});
  EXPECT_EQ(out.rfind("HTTP/1.1 529", 0), 0u) << out;
  EXPECT_EQ(JsonAt(Body(out), "/error/type"), R"("overloaded_error")");
  EXPECT_NE(out.find("x-switchyard-request-id: "), std::string::npos);
}

TEST_F(AnthropicFront, CountTokensIsTheDaemonsEstimate) {
  StartWithRoutes();
  std::string small =
      Body(PostTo("/v1/messages/count_tokens",
                  R"({"model":"claude","messages":[{"role":"user","content":"hi"}]})"));
  std::string large = Body(PostTo("/v1/messages/count_tokens",
                                  R"({"model":"claude","messages":[{"role":"user","content":")" +
                                      std::string(4000, 'a') + R"("}]})"));
  int64_t a = std::stoll(JsonAt(small, "/input_tokens"));
  int64_t b = std::stoll(JsonAt(large, "/input_tokens"));
  EXPECT_GT(a, 0) << small;
  EXPECT_GT(b, a + 500) << large;
  EXPECT_EQ(cluster_->fake().Requests("claude-3-5-haiku-latest"), 0);
}

TEST_F(AnthropicFront, TheOfficialAnthropicSdkForNode) {
  if (std::string why = MissingNodeModule("@anthropic-ai/sdk"); !why.empty()) {
    GTEST_SKIP() << why;
  }
  testbed::TempDir keys;
  testbed::WriteFile(keys.File("key"), "sk-ant-door\n");
  StartWithRoutes("api_key_file = \"" + keys.File("key") + "\"\n");
  int code = -1;
  std::string out = RunNodeTest("anthropic_sdk_test.cjs", Url(""), "sk-ant-door", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out.find("FAIL"), std::string::npos) << out;
  EXPECT_NE(out.find("ok   anthropic 529: a tool_use block with its input object"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("ok   every tier overloaded: InternalServerError 529"), std::string::npos)
      << out;
}

}  // namespace
}  // namespace switchyard::e2e
