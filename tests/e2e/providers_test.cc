// Every provider kind as a tier, end to end: the real daemon, the fake provider speaking
// Gemini's, Azure's and Bedrock's wire formats (Bedrock's calls signed, its streams in AWS's
// event-stream framing), and a second fake with no key as the local server. Each kind serves
// text, a stream, a tool call and its result, and a json_schema answer through the OpenAI
// door; then one route, gpt-4o → gemini → azure gpt-4o → bedrock claude → local llama,
// walks down every tier through each one's own errors, and again through hangs, as the
// history and `status` show.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "history_db.h"
#include "http_front.h"
#include "wire/json_util.h"

namespace switchyard::e2e {
namespace {

const char* kWeatherTool =
    R"({"type":"function","function":{"name":"get_weather","description":"Weather in a city",)"
    R"("parameters":{"type":"object","properties":{"city":{"type":"string"}},)"
    R"("required":["city"],"additionalProperties":false}}})";

// The keys each kind is given; none may leave the daemon but to its own provider.
const char* kSecrets[] = {"AIza-e2e-gemini", "az-e2e-azure", "AKIDE2ETEST", "aws-e2e-secret",
                          "aws-e2e-session-token"};

struct Tier {
  const char* model;  // the configured name
  const char* id;     // what the provider is asked for
};
const Tier kTiers[] = {{"gpt-4o", "gpt-4o"},
                       {"gemini-flash", "gemini-2.5-flash"},
                       {"azure-gpt-4o", "gpt-4o-prod"},
                       {"bedrock-claude", "anthropic.claude-3-5-haiku-20241022-v1:0"},
                       {"local-llama", "llama3.1"}};

std::string Body(const std::string& out) {
  size_t at = out.find("\r\n\r\n");
  return at == std::string::npos ? "" : out.substr(at + 4);
}

// The text of a chat.completion.chunk stream's deltas, joined.
std::string StreamedText(const std::string& body) {
  simdjson::dom::parser parser;
  std::string text;
  size_t at = 0;
  while ((at = body.find("data: {", at)) != std::string::npos) {
    size_t end = body.find('\n', at);
    std::string data = body.substr(at + 6, end - at - 6);
    simdjson::dom::element doc;
    std::string_view piece;
    if (parser.parse(data).get(doc) == simdjson::SUCCESS &&
        doc["choices"].at(0)["delta"]["content"].get_string().get(piece) == simdjson::SUCCESS) {
      text += piece;
    }
    at = end;
  }
  return text;
}

class Providers : public HttpFront {
 protected:
  void SetUp() override {
    local_ = std::make_unique<testbed::FakeProvider>(local_dir_);
    ClusterOptions o;
    o.fake_args = {"--gemini-key", kSecrets[0],           "--azure-key",
                   kSecrets[1],    "--aws-access-key-id", kSecrets[2]};
    o.extra_env = {
        std::string("SY_GEMINI_KEY=") + kSecrets[0], std::string("SY_AZURE_KEY=") + kSecrets[1],
        std::string("SY_AWS_ID=") + kSecrets[2], std::string("SY_AWS_SECRET=") + kSecrets[3],
        std::string("SY_AWS_TOKEN=") + kSecrets[4]};
    o.default_timeout_ms = 400;
    o.timeout_toml = "first_token_default_ms = 400\n";  // streams' hangs are cut off as fast
    std::string tiers;
    for (const Tier& t : kTiers)
      tiers += std::string(tiers.empty() ? "" : ", ") + "\"" + t.model + "\"";
    o.tiers = tiers;
    o.extra_toml = Toml();
    Start(o);
  }

  // The providers, models and one route per tier ("only-<model>"), as a user writes them.
  std::string Toml() const {
    std::string fake = "{fake}";  // the cluster's fake provider (testbed.h)
    std::string t =
        "[providers.google]\nkind = \"gemini\"\nbase_url = \"" + fake +
        "/v1beta\"\napi_key_env = \"SY_GEMINI_KEY\"\n\n"
        "[providers.azure]\nkind = \"azure\"\nbase_url = \"" +
        fake +
        "\"\napi_version = \"2024-10-21\"\napi_key_env = \"SY_AZURE_KEY\"\n\n"
        "[providers.aws]\nkind = \"bedrock\"\nregion = \"us-east-1\"\nbase_url = \"" +
        fake +
        "\"\naws_access_key_id_env = \"SY_AWS_ID\"\naws_secret_access_key_env = \"SY_AWS_SECRET\"\n"
        "aws_session_token_env = \"SY_AWS_TOKEN\"\n\n"
        "[providers.local]\nkind = \"openai\"\nbase_url = \"" +
        local_->base_url() + "\"\n\n";
    const char* providers[] = {"google", "azure", "aws", "local"};
    for (int i = 1; i < 5; ++i) {
      t += std::string("[models.") + kTiers[i].model + "]\nprovider = \"" + providers[i - 1] +
           "\"\nid = \"" + kTiers[i].id +
           "\"\ncontext_window = 128000\nmax_output_tokens = 4096\n\n";
    }
    for (const Tier& tier : kTiers) {
      t += std::string("[routes.only-") + tier.model + "]\ntiers = [\"" + tier.model + "\"]\n\n";
    }
    return t;
  }

  std::string Ask(const std::string& route, const std::string& more = "") {
    return Post(R"({"model":")" + route +
                R"(","max_tokens":64,"messages":[{"role":"user",)"
                R"("content":"hello there"}])" +
                more + "}");
  }

  testbed::TempDir local_dir_;
  std::unique_ptr<testbed::FakeProvider> local_;
};

TEST_F(Providers, EachKindServesTextStreamToolsAndSchema) {
  for (const Tier& tier : kTiers) {
    SCOPED_TRACE(tier.model);
    std::string route = std::string("only-") + tier.model;
    std::string want = std::string("Answer from ") + tier.id + " to: hello there";

    std::string out = Ask(route);
    ASSERT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
    EXPECT_EQ(JsonAt(Body(out), "/model"), std::string("\"") + tier.model + "\"");
    EXPECT_EQ(JsonAt(Body(out), "/choices/0/message/content"), "\"" + want + "\"");
    EXPECT_GT(std::stoll(JsonAt(Body(out), "/usage/prompt_tokens")), 0);

    out = Ask(route, R"(,"stream":true)");
    EXPECT_EQ(StreamedText(Body(out)), want) << out;
    EXPECT_NE(out.find("\"finish_reason\":\"stop\""), std::string::npos) << out;
    EXPECT_NE(out.find("data: [DONE]"), std::string::npos) << out;

    out = Ask(route, std::string(R"(,"tools":[)") + kWeatherTool + "]");
    EXPECT_EQ(JsonAt(Body(out), "/choices/0/finish_reason"), R"("tool_calls")") << out;
    EXPECT_EQ(JsonAt(Body(out), "/choices/0/message/tool_calls/0/function/name"),
              R"("get_weather")");
    EXPECT_EQ(JsonAt(Body(out), "/choices/0/message/tool_calls/0/function/arguments"),
              R"("{\"city\":\"fake\"}")");

    out = Post(
        std::string(R"({"model":")") + route + R"(","max_tokens":64,"tools":[)" + kWeatherTool +
        R"(],"messages":[{"role":"user","content":"weather in Paris?"},)"
        R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",)"
        R"("function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},)"
        R"({"role":"tool","tool_call_id":"call_1","content":"18C and sunny"}]})");
    EXPECT_NE(JsonAt(Body(out), "/choices/0/message/content").find("[tool results: 18C and sunny]"),
              std::string::npos)
        << out;

    out = Ask(route, R"(,"response_format":{"type":"json_schema","json_schema":{"name":"place",)"
                     R"("strict":true,"schema":{"type":"object","properties":{"city":)"
                     R"({"type":"string"}},"required":["city"],"additionalProperties":false}}})");
    EXPECT_EQ(JsonAt(Body(out), "/choices/0/message/content"), R"("{\"city\":\"fake\"}")") << out;
  }
  EXPECT_EQ(cluster_->fake().AuthBad(), 0) << "a call went without its key or signature";
  EXPECT_GT(cluster_->fake().AuthOk(), 0);
}

TEST_F(Providers, TheRouteWalksDownEveryTierThroughErrorsThenHangs) {
  testbed::FakeProvider& fake = cluster_->fake();
  fake.SetFault("gpt-4o", "mode=error&status=500");
  fake.SetFault("gemini-2.5-flash", "mode=error&status=429");
  fake.SetFault("gpt-4o-prod", "mode=error&status=400&error_kind=content_filter");
  fake.SetFault("anthropic.claude-3-5-haiku-20241022-v1:0",
                "mode=error&status=429&error_kind=not_ready");
  std::string out = Ask("chat");
  ASSERT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_EQ(JsonAt(Body(out), "/model"), R"("local-llama")");
  // A tool call and a json_schema answer walk down the same way.
  out = Ask("chat", std::string(R"(,"tools":[)") + kWeatherTool + "]");
  EXPECT_EQ(JsonAt(Body(out), "/model"), R"("local-llama")");
  EXPECT_EQ(JsonAt(Body(out), "/choices/0/message/tool_calls/0/function/arguments"),
            R"("{\"city\":\"fake\"}")");
  out = Ask("chat", R"(,"response_format":{"type":"json_schema","json_schema":{"name":"place",)"
                    R"("schema":{"type":"object","properties":{"city":{"type":"string"}},)"
                    R"("required":["city"]}}})");
  EXPECT_EQ(JsonAt(Body(out), "/model"), R"("local-llama")");
  EXPECT_EQ(JsonAt(Body(out), "/choices/0/message/content"), R"("{\"city\":\"fake\"}")");

  for (const Tier& t : kTiers) {
    if (std::string(t.model) != "local-llama") fake.SetFault(t.id, "mode=hang");
  }
  out = Ask("chat", R"(,"stream":true)");
  EXPECT_EQ(StreamedText(Body(out)), "Answer from llama3.1 to: hello there") << out;

  Db db(cluster_->history_path());
  ASSERT_TRUE(
      testbed::PollUntil(5000, [&] { return db.Int("SELECT count(*) FROM requests") == 4; }));
  auto walk = [&](int request) {
    return db.Text(
        "SELECT group_concat(model || ':' || outcome, ' ') FROM (SELECT model, "
        "outcome FROM attempts WHERE request_id = (SELECT id FROM requests ORDER BY id "
        "LIMIT 1 OFFSET " +
        std::to_string(request) + ") ORDER BY seq)");
  };
  for (int request : {0, 1, 2}) {
    EXPECT_EQ(walk(request),
              "gpt-4o:server_error gemini-flash:rate_limited azure-gpt-4o:content_filter "
              "bedrock-claude:server_error local-llama:ok")
        << request;
  }
  EXPECT_EQ(walk(3),
            "gpt-4o:timeout gemini-flash:timeout azure-gpt-4o:timeout bedrock-claude:timeout "
            "local-llama:ok");
  // Each failure in the provider's own words.
  EXPECT_NE(db.Text("SELECT reason FROM attempts WHERE model = 'gemini-flash' LIMIT 1")
                .find("RESOURCE_EXHAUSTED"),
            std::string::npos);
  EXPECT_NE(db.Text("SELECT reason FROM attempts WHERE model = 'bedrock-claude' LIMIT 1")
                .find("ModelNotReadyException"),
            std::string::npos);

  StatusReply st = cluster_->Connect()->GetStatus();
  std::map<std::string, std::string> provider_of;
  for (const ModelStatus& m : st.result.models) provider_of[m.name] = m.provider;
  EXPECT_EQ(provider_of["gemini-flash"], "google");
  EXPECT_EQ(provider_of["azure-gpt-4o"], "azure");
  EXPECT_EQ(provider_of["bedrock-claude"], "aws");
  EXPECT_EQ(provider_of["local-llama"], "local");

  // No key, secret or token anywhere the daemon writes.
  std::string everything = cluster_->daemon_log() + out +
                           db.Text("SELECT group_concat(coalesce(reason, ''), ' ') FROM attempts");
  for (const char* secret : kSecrets) {
    EXPECT_EQ(everything.find(secret), std::string::npos) << secret;
  }
}

}  // namespace
}  // namespace switchyard::e2e
