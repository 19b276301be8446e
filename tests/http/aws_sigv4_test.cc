// Bedrock's calls are signed by libcurl (CURLOPT_AWS_SIGV4), not by switchyard: this checks
// that what the daemon's curl client sends for a signed request carries AWS's published
// signature. The request is the SigV4 test suite's "post-vanilla" (POST / to
// example.amazonaws.com at 20150830T123600Z, key AKIDEXAMPLE, region us-east-1, service
// "service", empty body), whose Authorization header the suite gives; the date is pinned
// by sending the X-Amz-Date header, which curl signs instead of the current time.
#include <gtest/gtest.h>
#include <uv.h>

#include <mutex>
#include <optional>

#include "http/curl_http_client.h"
#include "http/scripted_server.h"

namespace switchyard {
namespace {

constexpr const char* kPostVanillaAuthorization =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
    "SignedHeaders=host;x-amz-date, "
    "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b";

std::string HeaderOf(const std::string& request, const std::string& name) {
  size_t at = request.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  at += name.size() + 4;
  return request.substr(at, request.find("\r\n", at) - at);
}

class AwsSigV4Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    uv_timer_init(&loop_, &watchdog_);
    client_ = std::make_unique<CurlHttpClient>(&loop_);
  }
  void TearDown() override {
    client_->Close();
    client_.reset();
    uv_close(reinterpret_cast<uv_handle_t*>(&watchdog_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  // Sends `req` and returns the request head the server saw.
  std::string Sent(HttpRequest req) {
    std::mutex mu;
    std::string seen;
    ScriptedServer server([&](int fd, int) {
      std::string got = ReadRequest(fd);
      {
        std::lock_guard<std::mutex> lock(mu);
        seen = got;
      }
      WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
    });
    req.url = server.url("/");
    req.timeout_ms = 5000;
    std::optional<HttpResponse> got;
    HttpClient::Id id =
        client_->Start(std::move(req), [&](HttpResponse&& r) { got = std::move(r); });
    EXPECT_NE(id, 0u);
    if (id == 0) return "";
    RunLoopUntil(&loop_, &watchdog_, [&] { return got.has_value(); });
    EXPECT_TRUE(got.has_value());
    if (got) {
      EXPECT_EQ(got->status, 200) << got->error_message;
    }
    std::lock_guard<std::mutex> lock(mu);
    return seen;
  }

  static HttpRequest PostVanilla() {
    HttpRequest req;
    req.headers = std::make_shared<const std::vector<std::string>>(
        std::vector<std::string>{"Host: example.amazonaws.com", "X-Amz-Date: 20150830T123600Z"});
    req.aws = std::make_shared<const AwsSigning>(AwsSigning{
        "aws:amz:us-east-1:service", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"});
    return req;
  }

  uv_loop_t loop_;
  uv_timer_t watchdog_;  // bounds each call: a hang fails the test instead of blocking it
  std::unique_ptr<CurlHttpClient> client_;
};

TEST_F(AwsSigV4Test, PostVanillaCarriesAwsPublishedSignature) {
  std::string sent = Sent(PostVanilla());
  EXPECT_EQ(HeaderOf(sent, "Authorization"), kPostVanillaAuthorization) << sent;
}

TEST_F(AwsSigV4Test, ADifferentKeyOrBodyIsADifferentSignature) {
  HttpRequest other_key = PostVanilla();
  other_key.aws = std::make_shared<const AwsSigning>(
      AwsSigning{"aws:amz:us-east-1:service", "AKIDEXAMPLE", "another-secret"});
  std::string sent = Sent(std::move(other_key));
  EXPECT_NE(HeaderOf(sent, "Authorization"), kPostVanillaAuthorization);
  EXPECT_EQ(sent.find("another-secret"), std::string::npos) << "the secret went on the wire";

  HttpRequest with_body = PostVanilla();
  with_body.body = "{}";
  EXPECT_NE(HeaderOf(Sent(std::move(with_body)), "Authorization"), kPostVanillaAuthorization);
}

TEST_F(AwsSigV4Test, AnUnsignedRequestOnAReusedHandleCarriesNoSignature) {
  Sent(PostVanilla());
  HttpRequest plain;
  plain.headers = std::make_shared<const std::vector<std::string>>(
      std::vector<std::string>{"Content-Type: application/json"});
  std::string sent = Sent(std::move(plain));
  EXPECT_EQ(HeaderOf(sent, "Authorization"), "") << sent;
}

}  // namespace
}  // namespace switchyard
