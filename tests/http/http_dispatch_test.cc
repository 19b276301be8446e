#include "http/http_dispatch.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <uv.h>

#include "fakes/fake_http_client.h"
#include "http/http1_client.h"

namespace switchyard {
namespace {

// The HTTP/1.1 client is real (its requests never leave: the loop does not run); libcurl's
// place is taken by a fake that records what reaches it.
class HttpDispatchTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    plain_->Close();
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }
  static HttpRequest To(const std::string& url, bool use_curl = false) {
    HttpRequest r;
    r.url = url;
    r.use_curl = use_curl;
    return r;
  }

  uv_loop_t loop_;
  std::unique_ptr<Http1Client> plain_ = std::make_unique<Http1Client>(&loop_);
  FakeHttpClient curl_;
};

TEST_F(HttpDispatchTest, CleartextToItsOwnClientTheRestToCurlAndCancelFindsEach) {
  HttpDispatch d(plain_.get(), &curl_, false);
  auto ignore = [](HttpResponse&&) {};
  HttpClient::Id plain = d.Start(To("http://127.0.0.1:9/v1/chat/completions"), ignore);
  HttpClient::Id tls = d.Start(To("https://api.example.com/v1/messages"), ignore);
  HttpClient::Id forced = d.Start(To("http://127.0.0.1:9/v1/messages", true), ignore);
  EXPECT_EQ(plain_->in_flight(), 1u);
  EXPECT_EQ(curl_.open(), 2u) << "https:// and http_client = \"curl\" go to libcurl";
  EXPECT_NE(plain, tls);
  EXPECT_NE(plain, forced);
  d.Cancel(plain);
  EXPECT_EQ(plain_->in_flight(), 0u);
  EXPECT_EQ(curl_.open(), 2u);
  d.Cancel(tls);
  EXPECT_EQ(curl_.open(), 1u);
  EXPECT_TRUE(d.Plain("http://127.0.0.1:9/v1", false));
  EXPECT_FALSE(d.Plain("http://127.0.0.1:9/v1", true));
  EXPECT_FALSE(d.Plain("https://api.example.com/v1", false));
}

TEST_F(HttpDispatchTest, AProxyInTheEnvironmentSendsEverythingToCurl) {
  for (const char* name : {"http_proxy", "all_proxy", "ALL_PROXY", "HTTP_PROXY"}) unsetenv(name);
  EXPECT_FALSE(HttpDispatch::ProxyInEnvironment());
  setenv("HTTP_PROXY", "http://proxy:3128", 1);
  EXPECT_FALSE(HttpDispatch::ProxyInEnvironment()) << "curl ignores the upper-case one";
  unsetenv("HTTP_PROXY");
  setenv("http_proxy", "http://proxy:3128", 1);
  EXPECT_TRUE(HttpDispatch::ProxyInEnvironment());
  unsetenv("http_proxy");
  setenv("ALL_PROXY", "socks5://proxy:1080", 1);
  EXPECT_TRUE(HttpDispatch::ProxyInEnvironment());
  unsetenv("ALL_PROXY");

  HttpDispatch d(plain_.get(), &curl_, true);
  d.Start(To("http://127.0.0.1:9/v1/chat/completions"), [](HttpResponse&&) {});
  EXPECT_EQ(plain_->in_flight(), 0u);
  EXPECT_EQ(curl_.open(), 1u);
  EXPECT_FALSE(d.Plain("http://127.0.0.1:9/v1", false));
}

}  // namespace
}  // namespace switchyard
