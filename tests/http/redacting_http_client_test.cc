#include "http/redacting_http_client.h"

#include <gtest/gtest.h>

#include "fakes/fake_http_client.h"
#include "providers/provider.h"
#include "providers/testdata_util.h"

namespace switchyard {
namespace {

constexpr std::string_view kKey = "sk-proj-Zq8vT2mW4xK9pL3nR7yB5cE1";

struct Rig {
  FakeHttpClient inner;
  Redactor redactor;
  RedactingHttpClient client{&inner, &redactor};
  Rig() { redactor.Add(kKey); }

  HttpRequest Request(bool stream) {
    HttpRequest r;
    r.body = R"({"model":"m"})";
    if (stream) r.on_data = [this](std::string_view b) { streamed += b; };
    return r;
  }
  std::string streamed;
};

TEST(RedactingHttpClient, BodiesHeadersAndTransportErrorsAreRedacted) {
  Rig rig;
  HttpResponse got;
  rig.client.Start(rig.Request(false), [&](HttpResponse&& r) { got = std::move(r); });
  HttpResponse r;
  r.status = 500;
  r.body = "{\"error\":{\"message\":\"proxy saw Bearer " + std::string(kKey) + "\"}}";
  r.error_message = "connection to https://x/?key=" + std::string(kKey) + " reset";
  r.retry_after = std::string(kKey);
  rig.inner.ReplyWith(std::move(r));
  EXPECT_EQ(got.body, "{\"error\":{\"message\":\"proxy saw Bearer [redacted]\"}}");
  EXPECT_GE(got.body.capacity(), got.body.size() + kBodySpareBytes);
  EXPECT_EQ(got.error_message, "connection to https://x/?key=[redacted] reset");
  EXPECT_EQ(got.retry_after, "[redacted]");
}

TEST(RedactingHttpClient, OpenAIsRecordedWrongKeyEchoIsRedactedBeforeParsing) {
  Rig rig;
  std::string body;
  rig.client.Start(rig.Request(false), [&](HttpResponse&& r) { body = std::move(r.body); });
  rig.inner.Reply(401, ReadTestdata("openai/error_401.json"));
  EXPECT_EQ(body.find("sk-v3s3w"), std::string::npos) << body;
  EXPECT_EQ(body.find("bfcr"), std::string::npos) << body;
  HttpReply reply;
  reply.status = 401;
  reply.body = body;
  ParsedResponse p = MakeOpenAIProvider(ProviderEndpoint{"http://x/v1", ""})->Parse(reply, {});
  EXPECT_NE(p.reason.find("Incorrect API key provided: [redacted]. You can find"),
            std::string::npos)
      << p.reason;
}

TEST(RedactingHttpClient, AStreamedKeySplitAcrossReadsIsRedactedAndTheTailArrivesBeforeDone) {
  Rig rig;
  bool done = false;
  std::string at_done;
  rig.client.Start(rig.Request(true), [&](HttpResponse&&) {
    done = true;
    at_done = rig.streamed;
  });
  std::string event = "event: error\ndata: {\"type\":\"error\",\"error\":{\"message\":\"key " +
                      std::string(kKey) + "\"}}\n\nthe end sk-pr";
  size_t cut = event.find("Zq8v");
  rig.inner.StreamFor("m", event.substr(0, cut));
  EXPECT_EQ(rig.streamed.find("sk-proj"), std::string::npos);  // kept back
  rig.inner.StreamFor("m", event.substr(cut));
  EXPECT_FALSE(done);
  rig.inner.Reply(200, "");
  EXPECT_TRUE(done);
  EXPECT_EQ(at_done,
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"message\":\"key [redacted]\"}}"
            "\n\nthe end sk-pr");
}

TEST(RedactingHttpClient, CancelReachesTheInnerClient) {
  Rig rig;
  HttpClient::Id id = rig.client.Start(rig.Request(true), [](HttpResponse&&) {});
  rig.client.Cancel(id);
  EXPECT_EQ(rig.inner.cancelled(), 1);
  EXPECT_EQ(rig.inner.open(), 0u);
}

}  // namespace
}  // namespace switchyard
