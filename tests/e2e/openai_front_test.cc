// POST /v1/chat/completions against the real daemon and fake provider: with curl for the
// raw HTTP, and with the official OpenAI SDK for Node (tests/node/openai_sdk_test.cjs).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "history_db.h"
#include "http_front.h"

namespace switchyard::e2e {
namespace {

using testbed::WriteFile;

using OpenAIFront = HttpFront;

const char* kHello =
    R"({"model":"chat","messages":[{"role":"user","content":"hello"}],"max_tokens":32})";

TEST_F(OpenAIFront, AnswersAndFallbacksAreChatCompletionsWithTheirHeaders) {
  Start();
  std::string out = Post(kHello, {"x-switchyard-task: greet"});
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("x-switchyard-model: gpt-4o\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x-switchyard-fallbacks: 0\r\n"), std::string::npos);
  EXPECT_NE(out.find("\"object\":\"chat.completion\""), std::string::npos);
  EXPECT_NE(out.find("\"model\":\"gpt-4o\""), std::string::npos);
  EXPECT_NE(out.find("\"content\":\"Answer from gpt-4o to: hello\""), std::string::npos);
  auto c = cluster_->Connect();
  bool greet = false;
  for (const ModelStatus& m : c->GetStatus().result.models) {
    for (const TaskStatus& t : m.tasks) greet = greet || t.task == "greet";
  }
  EXPECT_TRUE(greet) << "x-switchyard-task keys the latency history";

  cluster_->fake().SetFault("gpt-4o", "mode=error&status=503");
  out = Post(kHello);
  EXPECT_NE(out.find("x-switchyard-model: gpt-4o-mini\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x-switchyard-fallbacks: 1\r\n"), std::string::npos);
  EXPECT_NE(out.find("\"model\":\"gpt-4o-mini\""), std::string::npos);

  // Parameters it cannot act on are said, not dropped unsaid.
  out =
      Post(R"({"model":"chat","messages":[{"role":"user","content":"x"}],"presence_penalty":0.5})");
  EXPECT_NE(out.find("x-switchyard-ignored: presence_penalty\r\n"), std::string::npos) << out;
}

TEST_F(OpenAIFront, KillNineLosesNoRequestTheDoorAnswered) {
  // The writer commits once a minute here, so only the journal can keep what was answered:
  // an answer leaves the door only once its request is in it, as on the socket.
  Start("[history]\nflush_ms = 60000\n");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    std::string out = Post(kHello);
    const std::string header = "x-switchyard-request-id: ";
    size_t at = out.find(header);
    ASSERT_NE(at, std::string::npos) << out;
    at += header.size();
    ids.push_back(out.substr(at, out.find("\r\n", at) - at));
  }
  cluster_->KillDaemon();
  cluster_->StartDaemon();
  std::string list;
  for (const std::string& id : ids) list += (list.empty() ? "" : ",") + id;
  Db db(cluster_->history_path());
  EXPECT_EQ(db.Int("SELECT COUNT(*) FROM requests WHERE id IN (" + list + ")"), 5) << list;
}

TEST_F(OpenAIFront, ErrorsHaveOpenAIsShapeAndFittingStatuses) {
  Start();
  std::string out = Post(R"({"model":"nope","messages":[{"role":"user","content":"x"}]})");
  EXPECT_EQ(out.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << out;
  EXPECT_NE(out.find(R"("type":"invalid_request_error","code":"no_route")"), std::string::npos);
  out = Post("{not json");
  EXPECT_EQ(out.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("the body is not valid JSON"), std::string::npos);
  out = Post(kHello, {"x-switchyard-deadline-ms: soon"});
  EXPECT_EQ(out.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << out;
  for (const char* m : {"gpt-4o", "gpt-4o-mini", "claude-3-5-haiku-latest"}) {
    cluster_->fake().SetFault(m, "mode=hang");
  }
  out = Post(kHello, {"x-switchyard-deadline-ms: 300"});
  EXPECT_EQ(out.rfind("HTTP/1.1 504 Gateway Timeout\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("\"code\":\"deadline_exceeded\""), std::string::npos);
  for (const char* m : {"gpt-4o", "gpt-4o-mini", "claude-3-5-haiku-latest"}) {
    cluster_->fake().SetFault(m, "mode=error&status=500");
  }
  out = Post(kHello);
  EXPECT_EQ(out.rfind("HTTP/1.1 502 Bad Gateway\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("\"code\":\"all_models_failed\""), std::string::npos);
}

TEST_F(OpenAIFront, StreamsAreServerSentEventsEndingInDone) {
  Start();
  cluster_->fake().SetFault("gpt-4o", "chunk_ms=5");
  std::string out = Post(
      R"({"model":"chat","messages":[{"role":"user","content":"a story"}],"max_tokens":64,"stream":true,"stream_options":{"include_usage":true}})");
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(out.find("x-switchyard-model: gpt-4o\r\n"), std::string::npos);
  // The deltas, in order, are the answer.
  std::string text;
  size_t at = 0;
  int chunks = 0;
  while ((at = out.find("\"delta\":{", at)) != std::string::npos) {
    size_t content = out.find("\"content\":\"", at);
    size_t end_of_delta = out.find('}', at);
    if (content != std::string::npos && content < end_of_delta) {
      size_t start = content + 11;
      text += out.substr(start, out.find('"', start) - start);
      ++chunks;
    }
    at = end_of_delta;
  }
  EXPECT_EQ(text, "Answer from gpt-4o to: a story");
  EXPECT_GT(chunks, 1);
  EXPECT_NE(out.find("\"finish_reason\":\"stop\""), std::string::npos);
  EXPECT_NE(out.find("\"choices\":[],\"usage\":{"), std::string::npos);
  EXPECT_NE(out.find("data: [DONE]\n\n"), std::string::npos);
}

TEST_F(OpenAIFront, AStreamBrokenAfterTextEndsWithAnErrorEventNotDone) {
  Start();
  cluster_->fake().SetFault("gpt-4o", "mode=cut&chunk_ms=5");
  std::string out = Post(
      R"({"model":"chat","messages":[{"role":"user","content":"a story"}],"max_tokens":64,"stream":true})");
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("\"delta\":{\"role\":\"assistant\""), std::string::npos);
  EXPECT_NE(out.find("data: {\"error\":{"), std::string::npos) << out;
  EXPECT_NE(out.find("\"code\":\"partial_answer\""), std::string::npos);
  EXPECT_EQ(out.find("[DONE]"), std::string::npos);
}

TEST_F(OpenAIFront, TheOfficialOpenAISdkForNode) {
  if (std::string why = MissingNodeModule("openai"); !why.empty()) GTEST_SKIP() << why;
  testbed::TempDir keys;
  WriteFile(keys.File("key"), "sk-front-door\n");
  Start("api_key_file = \"" + keys.File("key") + "\"\n");
  int code = -1;
  std::string out = RunNodeTest("openai_sdk_test.cjs", Url("/v1"), "sk-front-door", &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(out.find("FAIL"), std::string::npos) << out;
  EXPECT_NE(out.find("ok   a chat.completion object"), std::string::npos) << out;
}

}  // namespace
}  // namespace switchyard::e2e
