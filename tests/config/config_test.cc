#include "config/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace switchyard {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("OPENAI_API_KEY", "sk-test-openai", 1);
    setenv("ANTHROPIC_API_KEY", "sk-ant-test", 1);
  }
};

constexpr const char* kMinimal = R"([providers.p]
kind = "openai"
base_url = "http://127.0.0.1:9/v1/"

[models.a]
provider = "p"
id = "a-1"
context_window = 1000
max_output_tokens = 100

[models.b]
provider = "p"
id = "b-1"
context_window = 1000
max_output_tokens = 100

[routes.chat]
tiers = ["a", "b"]
)";

// Parses kMinimal with `replace` substituted for `find`, and returns the error message.
std::string ErrorFor(const std::string& find, const std::string& replace) {
  std::string text = kMinimal;
  size_t at = text.find(find);
  EXPECT_NE(at, std::string::npos) << find;
  text.replace(at, find.size(), replace);
  Config cfg;
  Status s = ParseConfig(text, "t.toml", &cfg);
  EXPECT_FALSE(s.ok()) << "accepted: " << text;
  return s.message();
}

TEST_F(ConfigTest, TheIssueExampleIsAcceptedAsWritten) {
  Config cfg;
  Status s = LoadConfig(std::string(SWITCHYARD_SOURCE_DIR) + "/examples/switchyard.toml", &cfg);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(cfg.daemon.socket, "/run/switchyard/switchyard.sock");
  EXPECT_EQ(cfg.daemon.history, "/var/lib/switchyard/history.db");
  ASSERT_EQ(cfg.providers.size(), 2u);
  EXPECT_EQ(cfg.providers["anthropic"].kind, ProviderKind::kAnthropic);
  EXPECT_EQ(cfg.providers["openai"].base_url, "https://api.openai.com/v1");
  EXPECT_EQ(cfg.providers["openai"].api_key, "sk-test-openai");
  EXPECT_EQ(cfg.models["claude-haiku"].id, "claude-3-5-haiku-latest");
  EXPECT_EQ(cfg.models["gpt-4o"].context_window, 128000);
  EXPECT_DOUBLE_EQ(cfg.models["gpt-4o-mini"].output_usd_per_mtok, 0.60);
  const RouteConfig& chat = cfg.routes["chat"];
  EXPECT_EQ(chat.tiers, (std::vector<std::string>{"gpt-4o", "gpt-4o-mini", "claude-haiku"}));
  EXPECT_EQ(chat.deadline_ms, 20000);
  EXPECT_EQ(chat.timeout.default_ms, 5000);
  EXPECT_EQ(chat.timeout.ceiling_ms, 10000);  // a default
}

TEST_F(ConfigTest, DefaultsAndTrailingSlashOfBaseUrl) {
  Config cfg;
  ASSERT_TRUE(ParseConfig(kMinimal, "t.toml", &cfg).ok());
  EXPECT_EQ(cfg.providers["p"].base_url, "http://127.0.0.1:9/v1");
  EXPECT_TRUE(cfg.providers["p"].api_key.empty());
  EXPECT_FALSE(cfg.providers["p"].http_client_curl);
  EXPECT_EQ(cfg.routes["chat"].deadline_ms, 20000);
  EXPECT_EQ(cfg.daemon.socket, "/run/switchyard/switchyard.sock");
}

TEST_F(ConfigTest, BreakerRunsDefaultAndOverridePerModel) {
  std::string text = "[breaker]\nconsecutive_timeouts = 12\n" + std::string(kMinimal) +
                     "[models.b.breaker]\nconsecutive_timeouts = 3\n";
  Config cfg;
  Status s = ParseConfig(text, "t.toml", &cfg);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(cfg.models["a"].breaker.consecutive_timeouts, 12);
  EXPECT_EQ(cfg.models["a"].breaker.consecutive_failures, 5);
  EXPECT_EQ(cfg.models["b"].breaker.consecutive_timeouts, 3);
  Config defaults;
  ASSERT_TRUE(ParseConfig(kMinimal, "t.toml", &defaults).ok());
  EXPECT_EQ(defaults.models["a"].breaker.consecutive_timeouts, 10);
  EXPECT_NE(ErrorFor("[routes.chat]", "[breaker]\nconsecutive_timeouts = 0\n[routes.chat]")
                .find("consecutive_timeouts"),
            std::string::npos);
}

TEST_F(ConfigTest, FleetIsOffUnlessSetAndItsAddressIsChecked) {
  Config off;
  ASSERT_TRUE(ParseConfig(kMinimal, "t.toml", &off).ok());
  EXPECT_FALSE(off.fleet.enabled());
  Config cfg;
  Status s = ParseConfig(
      "[fleet]\nredis = \"redis://10.0.0.5\"\nhost = \"web-1\"\n" + std::string(kMinimal), "t.toml",
      &cfg);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(cfg.fleet.enabled());
  EXPECT_EQ(cfg.fleet.name, "switchyard");
  EXPECT_EQ(cfg.fleet.host, "web-1");
  EXPECT_EQ(cfg.fleet.publish_interval_ms, 5000);
  EXPECT_EQ(cfg.fleet.timeout_ms, 1000);
  s = ParseConfig("[fleet]\nredis = \"redis://:pw@10.0.0.5\"\n" + std::string(kMinimal), "t.toml",
                  &cfg);
  EXPECT_NE(s.message().find("fleet.redis: has user info; put the password in "
                             "fleet.password_file"),
            std::string::npos)
      << s.message();
  s = ParseConfig("[fleet]\nredis = \"redis://h\"\npassword_file = \"/nonexistent/pw\"\n" +
                      std::string(kMinimal),
                  "t.toml", &cfg);
  EXPECT_NE(s.message().find("fleet.password_file"), std::string::npos) << s.message();
}

TEST_F(ConfigTest, FallbackAnswersAreKeptOnlyWhereARouteAsks) {
  Config cfg;
  ASSERT_TRUE(ParseConfig(kMinimal, "t.toml", &cfg).ok());
  EXPECT_FALSE(cfg.routes["chat"].keep_fallback_answers);
  EXPECT_EQ(cfg.history.fallback_answers_retention_days, 7);
  std::string text = "[history]\nfallback_answers_retention_days = 2\n" + std::string(kMinimal) +
                     "keep_fallback_answers = true\n";
  Status s = ParseConfig(text, "t.toml", &cfg);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(cfg.routes["chat"].keep_fallback_answers);
  EXPECT_EQ(cfg.history.fallback_answers_retention_days, 2);
  EXPECT_NE(ErrorFor("tiers = [\"a\", \"b\"]", "tiers = [\"a\", \"b\"]\nkeep_fallback_answers = 1")
                .find("keep_fallback_answers"),
            std::string::npos);
}

TEST_F(ConfigTest, VisionAndTheToolChecksAreKeysOfTheirOwn) {
  Config cfg;
  ASSERT_TRUE(ParseConfig(kMinimal, "t.toml", &cfg).ok());
  EXPECT_FALSE(cfg.models["a"].vision);
  EXPECT_FALSE(cfg.models["a"].reasoning);
  EXPECT_TRUE(cfg.models["a"].tools);
  EXPECT_TRUE(cfg.models["a"].json_schema);
  EXPECT_TRUE(cfg.routes["chat"].checks.tool_calls);
  EXPECT_TRUE(cfg.routes["chat"].checks.schema);
  std::string text =
      std::string(kMinimal) + "[routes.chat.checks]\ntool_calls = false\nschema = false\n";
  size_t at = text.find("max_output_tokens = 100\n");
  text.insert(at + 24, "vision = true\nreasoning = true\ntools = false\njson_schema = false\n");
  Status s = ParseConfig(text, "t.toml", &cfg);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(cfg.models["a"].vision);
  EXPECT_TRUE(cfg.models["a"].reasoning);
  EXPECT_FALSE(cfg.models["a"].tools);
  EXPECT_FALSE(cfg.models["a"].json_schema);
  EXPECT_TRUE(cfg.models["b"].tools);
  EXPECT_FALSE(cfg.models["b"].vision);
  EXPECT_FALSE(cfg.routes["chat"].checks.tool_calls);
  EXPECT_FALSE(cfg.routes["chat"].checks.schema);
  EXPECT_NE(ErrorFor("id = \"a-1\"", "id = \"a-1\"\nvision = \"yes\"").find("vision"),
            std::string::npos);
}

TEST_F(ConfigTest, HttpFrontDoorIsOffUnlessSetAndLoopbackOnly) {
  Config off;
  ASSERT_TRUE(ParseConfig(kMinimal, "t.toml", &off).ok());
  EXPECT_FALSE(off.http.enabled());
  for (const char* listen : {"127.0.0.1:8080", "127.8.9.1:0", "[::1]:65535"}) {
    Config cfg;
    Status s = ParseConfig("[http]\nlisten = \"" + std::string(listen) + "\"\n" + kMinimal,
                           "t.toml", &cfg);
    ASSERT_TRUE(s.ok()) << listen << ": " << s.ToString();
    EXPECT_TRUE(cfg.http.enabled());
    EXPECT_EQ(cfg.http.listen, listen);
  }
  for (const char* listen : {"0.0.0.0:8080", "10.0.0.1:80", "localhost:80", "127.0.0.1",
                             "127.0.0.1:99999", "[::]:80", "127.0.0.1:8o"}) {
    Config cfg;
    Status s = ParseConfig("[http]\nlisten = \"" + std::string(listen) + "\"\n" + kMinimal,
                           "t.toml", &cfg);
    EXPECT_FALSE(s.ok()) << listen;
    EXPECT_NE(s.message().find("http.listen: expected a loopback address"), std::string::npos)
        << s.message();
  }
  std::string key = std::filesystem::temp_directory_path() / "sy-http-key";
  { std::ofstream(key) << "sk-front-door\n"; }
  Config cfg;
  Status s = ParseConfig("[http]\nsocket = \"/tmp/h.sock\"\napi_key_file = \"" + key +
                             "\"\nread_timeout_ms = 500\nstream_ping_ms = 250\n" + kMinimal,
                         "t.toml", &cfg);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(cfg.http.api_key, "sk-front-door");
  EXPECT_EQ(cfg.http.read_timeout_ms, 500);
  EXPECT_EQ(cfg.http.stream_ping_ms, 250);
  std::filesystem::remove(key);
  EXPECT_NE(ErrorFor("[routes.chat]", "[http]\nport = 8080\n[routes.chat]").find("http.port"),
            std::string::npos);
}

TEST_F(ConfigTest, ContextChecksStreamsAndBudgetKeys) {
  std::string text = std::string(kMinimal) +
                     "on_context_overflow = \"skip\"\nbudget_usd_per_day = 12.5\n"
                     "over_budget_tier = \"b\"\n[routes.chat.checks]\nlength = false\n"
                     "repetition = false\n[routes.chat.timeout]\nfirst_token_default_ms = 800\n"
                     "stall_ms = 2500\n";
  Config cfg;
  Status s = ParseConfig(text, "t.toml", &cfg);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const RouteConfig& r = cfg.routes["chat"];
  EXPECT_EQ(r.on_context_overflow, ContextOverflow::kSkip);
  EXPECT_DOUBLE_EQ(r.budget_usd_per_day, 12.5);
  EXPECT_EQ(r.over_budget_tier, "b");
  EXPECT_FALSE(r.checks.length);
  EXPECT_FALSE(r.checks.repetition);
  EXPECT_TRUE(r.checks.empty);
  EXPECT_TRUE(r.checks.json);
  EXPECT_EQ(r.timeout.first_token_default_ms, 800);
  EXPECT_EQ(r.timeout.stall_ms, 2500);

  Config defaults;
  ASSERT_TRUE(ParseConfig(kMinimal, "t.toml", &defaults).ok());
  EXPECT_EQ(defaults.routes["chat"].on_context_overflow, ContextOverflow::kTruncate);
  EXPECT_EQ(defaults.routes["chat"].over_budget_tier, "b");  // the second tier
  EXPECT_DOUBLE_EQ(defaults.routes["chat"].budget_usd_per_day, 0);
}

TEST_F(ConfigTest, BadContextChecksAndBudgetKeysNameTheKey) {
  EXPECT_NE(
      ErrorFor("tiers = [\"a\", \"b\"]", "tiers = [\"a\", \"b\"]\non_context_overflow = \"drop\"")
          .find("routes.chat.on_context_overflow: must be \"truncate\" or \"skip\""),
      std::string::npos);
  EXPECT_NE(ErrorFor("tiers = [\"a\", \"b\"]", "tiers = [\"a\", \"b\"]\nover_budget_tier = \"z\"")
                .find("routes.chat.over_budget_tier: 'z' is not one of the route's tiers"),
            std::string::npos);
  EXPECT_NE(ErrorFor("tiers = [\"a\", \"b\"]",
                     "tiers = [\"a\", \"b\"]\n[routes.chat.checks]\nemptyy = true")
                .find("routes.chat.checks.emptyy: unknown key"),
            std::string::npos);
  EXPECT_NE(ErrorFor("tiers = [\"a\", \"b\"]", "tiers = [\"a\", \"b\"]\nbudget_usd_per_day = -1")
                .find("routes.chat.budget_usd_per_day: must be between"),
            std::string::npos);
}

TEST_F(ConfigTest, UnknownModelInRouteNamesKeyAndLine) {
  EXPECT_EQ(ErrorFor(R"(["a", "b"])", R"(["a", "gpt-5"])"),
            "t.toml:18: routes.chat.tiers[1]: unknown model 'gpt-5'");
}

TEST_F(ConfigTest, SameModelTwiceInRouteIsAnError) {
  EXPECT_EQ(ErrorFor(R"(["a", "b"])", R"(["a", "a"])"),
            "t.toml:18: routes.chat.tiers[1]: model 'a' appears twice");
}

TEST_F(ConfigTest, MissingRequiredKeyNamesTable) {
  EXPECT_EQ(ErrorFor("id = \"b-1\"\n", ""), "t.toml:11: models.b.id: is required");
}

TEST_F(ConfigTest, WrongTypeNamesKeyAndLine) {
  EXPECT_EQ(ErrorFor("context_window = 1000\nmax_output_tokens = 100\n\n[models.b]",
                     "context_window = \"big\"\nmax_output_tokens = 100\n\n[models.b]"),
            "t.toml:8: models.a.context_window: must be an integer");
}

TEST_F(ConfigTest, UnknownKeyIsReportedNotIgnored) {
  EXPECT_EQ(ErrorFor("[routes.chat]\n", "[routes.chat]\ndeadline = 5\n"),
            "t.toml:18: routes.chat.deadline: unknown key");
}

// kMinimal with its provider replaced by `provider` (the lines after "[providers.p]\n").
Status ParseWithProvider(const std::string& provider, Config* cfg) {
  std::string text = kMinimal;
  size_t end = text.find("\n\n[models.a]");
  text.replace(0, end, "[providers.p]\n" + provider);
  return ParseConfig(text, "t.toml", cfg);
}

TEST_F(ConfigTest, GeminiAzureAndBedrockAsUsersWriteThem) {
  setenv("SY_CFG_GEMINI", "AIza-cfg", 1);
  setenv("SY_CFG_AZURE", "az-cfg", 1);
  setenv("SY_CFG_AWS_ID", "AKIDCFG", 1);
  setenv("SY_CFG_AWS_SECRET", "aws-secret-cfg", 1);
  Config cfg;
  Status s = ParseWithProvider("kind = \"gemini\"\napi_key_env = \"SY_CFG_GEMINI\"", &cfg);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(cfg.providers["p"].kind, ProviderKind::kGemini);
  EXPECT_EQ(cfg.providers["p"].base_url, "https://generativelanguage.googleapis.com/v1beta");
  EXPECT_EQ(cfg.providers["p"].api_key, "AIza-cfg");

  s = ParseWithProvider(
      "kind = \"azure\"\nbase_url = \"https://myres.openai.azure.com/\"\napi_key_env = "
      "\"SY_CFG_AZURE\"",
      &cfg);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(cfg.providers["p"].base_url, "https://myres.openai.azure.com");
  EXPECT_EQ(cfg.providers["p"].api_version, "2024-10-21");

  s = ParseWithProvider(
      "kind = \"bedrock\"\nregion = \"eu-west-1\"\naws_access_key_id_env = \"SY_CFG_AWS_ID\"\n"
      "aws_secret_access_key_env = \"SY_CFG_AWS_SECRET\"",
      &cfg);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const ProviderConfig& aws = cfg.providers["p"];
  EXPECT_EQ(aws.base_url, "https://bedrock-runtime.eu-west-1.amazonaws.com");
  EXPECT_EQ(aws.aws_access_key_id, "AKIDCFG");
  EXPECT_EQ(aws.aws_secret_access_key, "aws-secret-cfg");
  EXPECT_EQ(aws.aws_session_token, "");
  EXPECT_STREQ(ProviderKindName(aws.kind), "bedrock");
}

TEST_F(ConfigTest, EachKindsKeysAreItsOwnAndCredentialsAreChecked) {
  Config cfg;
  EXPECT_EQ(ParseWithProvider("kind = \"bedrock\"", &cfg).message(),
            "t.toml:1: providers.p.region: is required");
  unsetenv("AWS_ACCESS_KEY_ID");
  EXPECT_EQ(ParseWithProvider("kind = \"bedrock\"\nregion = \"us-east-1\"", &cfg).message(),
            "t.toml:2: providers.p.kind: environment variable AWS_ACCESS_KEY_ID is not set");
  EXPECT_NE(ParseWithProvider("kind = \"bedrock\"\nregion = \"us east\"", &cfg)
                .message()
                .find("not an AWS region name"),
            std::string::npos);
  EXPECT_EQ(ParseWithProvider("kind = \"openai\"\nbase_url = \"http://h/v1\"\nregion = \"x\"", &cfg)
                .message(),
            "t.toml:4: providers.p.region: is for kind = \"bedrock\" only");
  EXPECT_EQ(
      ParseWithProvider("kind = \"openai\"\nbase_url = \"http://h/v1\"\napi_version = \"x\"", &cfg)
          .message(),
      "t.toml:4: providers.p.api_version: is for kind = \"azure\" only");
  EXPECT_EQ(
      ParseWithProvider(
          "kind = \"openai\"\nbase_url = \"http://h/v1\"\naws_access_key_id_env = \"X\"", &cfg)
          .message(),
      "t.toml:4: providers.p.aws_access_key_id_env: is for kind = \"bedrock\" only");
  setenv("SY_CFG_BEDROCK_KEY", "ABSK-cfg", 1);
  EXPECT_EQ(ParseWithProvider("kind = \"bedrock\"\nregion = \"us-east-1\"\napi_key_env = "
                              "\"SY_CFG_BEDROCK_KEY\"\naws_access_key_id_env = \"X\"",
                              &cfg)
                .message(),
            "t.toml:5: providers.p.aws_access_key_id_env: give a Bedrock API key (api_key_env) or "
            "AWS credentials, not both");
  // A Bedrock API key alone needs no AWS credentials.
  EXPECT_TRUE(
      ParseWithProvider(
          "kind = \"bedrock\"\nregion = \"us-east-1\"\napi_key_env = \"SY_CFG_BEDROCK_KEY\"", &cfg)
          .ok());
}

TEST_F(ConfigTest, BadProviderKind) {
  EXPECT_EQ(
      ErrorFor("kind = \"openai\"", "kind = \"cohere\""),
      "t.toml:2: providers.p.kind: must be \"openai\", \"anthropic\", \"gemini\", \"azure\" or "
      "\"bedrock\", got \"cohere\"");
}

TEST_F(ConfigTest, HttpClientIsAutoOrCurl) {
  for (const char* v : {"auto", "curl"}) {
    std::string text = kMinimal;
    text.insert(text.find("\n[models.a]"), std::string("http_client = \"") + v + "\"\n");
    Config cfg;
    ASSERT_TRUE(ParseConfig(text, "t.toml", &cfg).ok()) << v;
    EXPECT_EQ(cfg.providers["p"].http_client_curl, std::string(v) == "curl");
  }
  EXPECT_EQ(ErrorFor("kind = \"openai\"", "kind = \"openai\"\nhttp_client = \"h2\""),
            "t.toml:3: providers.p.http_client: must be \"auto\" or \"curl\", got \"h2\"");
}

TEST_F(ConfigTest, UnknownProviderOfModel) {
  EXPECT_EQ(ErrorFor("provider = \"p\"\nid = \"b-1\"", "provider = \"q\"\nid = \"b-1\""),
            "t.toml:12: models.b.provider: unknown provider 'q'");
}

TEST_F(ConfigTest, MissingKeyEnvironmentVariableStopsTheStart) {
  unsetenv("SWITCHYARD_TEST_UNSET_KEY");
  EXPECT_EQ(
      ErrorFor(
          "base_url = \"http://127.0.0.1:9/v1/\"",
          "base_url = \"http://127.0.0.1:9/v1/\"\napi_key_env = \"SWITCHYARD_TEST_UNSET_KEY\""),
      "t.toml:4: providers.p.api_key_env: environment variable SWITCHYARD_TEST_UNSET_KEY is not "
      "set");
}

TEST_F(ConfigTest, KeyFileIsReadAndTrimmed) {
  std::string path = ::testing::TempDir() + "/key.txt";
  std::ofstream(path) << "sk-from-file\n";
  std::string text = kMinimal;
  text.replace(text.find("base_url"), 0, "api_key_file = \"" + path + "\"\n");
  Config cfg;
  Status s = ParseConfig(text, "t.toml", &cfg);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(cfg.providers["p"].api_key, "sk-from-file");
}

TEST_F(ConfigTest, TimeoutFloorAboveCeiling) {
  EXPECT_EQ(
      ErrorFor("tiers = [\"a\", \"b\"]\n",
               "tiers = [\"a\", \"b\"]\n[routes.chat.timeout]\nfloor_ms = 900\nceiling_ms = 800\n"),
      "t.toml:20: routes.chat.timeout.floor_ms: is greater than ceiling_ms");
}

TEST_F(ConfigTest, SyntaxErrorNamesLine) {
  std::string msg = ErrorFor("[routes.chat]", "[routes.chat");
  EXPECT_EQ(msg.rfind("t.toml:17:13: routes.chat: ", 0), 0u) << msg;
}

// toml++ says where and what, not which key: each message names the file, the line and
// column, and the key's full path.
TEST_F(ConfigTest, SyntaxErrorsAndOverflowsNameTheKey) {
  const std::string tiers = "tiers = [\"a\", \"b\"]\n";
  struct Case {
    std::string replace;
    std::string starts;
  } cases[] = {
      {tiers + "deadline_ms = 99999999999999999999\n",
       "t.toml:19:35: routes.chat.deadline_ms: Error while parsing decimal integer: "
       "'99999999999999999999' is not representable in 64 bits"},
      {tiers + "deadline_ms = 10s\n", "t.toml:19:17: routes.chat.deadline_ms: "},
      {tiers + "deadline_ms 5\n", "t.toml:19:13: routes.chat.deadline_ms: "},
      {tiers + "over_budget_tier = \"a\n", "t.toml:19:"},
      {tiers + "deadline_ms = 1\ndeadline_ms = 2\n", "t.toml:20:15: routes.chat.deadline_ms: "},
      {"tiers = [\"a\",\n  \"b\"\n", "t.toml:"},
  };
  for (const Case& c : cases) {
    std::string msg = ErrorFor(tiers, c.replace);
    EXPECT_EQ(msg.rfind(c.starts, 0), 0u) << msg;
  }
  EXPECT_NE(
      ErrorFor(tiers, tiers + "over_budget_tier = \"a\n").find("routes.chat.over_budget_tier: "),
      std::string::npos);
  EXPECT_NE(ErrorFor(tiers, "tiers = [\"a\",\n  \"b\"\n").find("routes.chat.tiers: "),
            std::string::npos);
  EXPECT_NE(ErrorFor("[models.b]", "[models.a]").find("t.toml:11:1: models.a: "),
            std::string::npos);
  // A header with no name at all (the config fuzzer's find): an error, not a throw.
  EXPECT_EQ(ErrorFor("[models.b]", "[\nmodels.b]").rfind("t.toml:11:", 0), 0u);
}

TEST_F(ConfigTest, ADirectoryIsNotAConfigFileNorAKeyFile) {
  Config cfg;
  Status s = LoadConfig(::testing::TempDir(), &cfg);
  EXPECT_EQ(s.message(), "config file: " + ::testing::TempDir() + " is a directory, not a file");
  std::string text = kMinimal;
  text.replace(text.find("base_url"), 0, "api_key_file = \"" + ::testing::TempDir() + "\"\n");
  s = ParseConfig(text, "t.toml", &cfg);
  EXPECT_EQ(s.message(), "t.toml:3: providers.p.api_key_file: " + ::testing::TempDir() +
                             " is a directory, not a file");
}

TEST_F(ConfigTest, NoRoutesIsAnError) {
  Config cfg;
  Status s = ParseConfig("[daemon]\nsocket = \"/tmp/x.sock\"\n", "t.toml", &cfg);
  EXPECT_EQ(s.message(), "t.toml: no [routes.*] table: nothing to serve");
}

TEST_F(ConfigTest, MissingFileIsAnIoError) {
  Config cfg;
  EXPECT_EQ(LoadConfig("/nonexistent/switchyard.toml", &cfg).code(), Status::Code::kIoError);
}

}  // namespace
}  // namespace switchyard
