// The dashboard on the HTTP front door, with curl and with a real browser: the page and its
// assets come from the daemon itself; /api/dashboard says what status says plus the
// history's last hour and day; behind a key, only the form is served until a login sets an
// HttpOnly, SameSite=Strict session cookie. Debian's chromium, driven by playwright-core
// (tests/node/dashboard_test.cjs), loads the page with no console error and sees a breaker
// open within 2 s of the daemon opening it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "http_front.h"
#include "wire/json_util.h"

namespace switchyard::e2e {
namespace {

class DashboardTest : public HttpFront {
 protected:
  // GET (or, with `form`, POST it) `path`: the whole answer, head and body.
  std::string Fetch(const std::string& path, const std::vector<std::string>& headers = {},
                    const std::string& form = "") {
    std::vector<std::string> argv = {"/usr/bin/curl", "-sS", "-D", "-"};
    for (const std::string& h : headers) argv.insert(argv.end(), {"-H", h});
    if (!form.empty()) argv.insert(argv.end(), {"--data-urlencode", form});
    argv.push_back(Url(path));
    return Run(argv);
  }
  static std::string Body(const std::string& out) {
    size_t at = out.find("\r\n\r\n");
    return at == std::string::npos ? "" : out.substr(at + 4);
  }
  void StartWithKey() {
    key_file_ = std::make_unique<testbed::TempDir>();
    // A key a form must encode (+, %, /), so the login reads what the browser encodes.
    testbed::WriteFile(key_file_->File("http.key"), "dash-key+01%2/3\n");
    ClusterOptions o;
    o.extra_toml = "[history]\nflush_ms = 10\n";
    Start(o, "api_key_file = \"" + key_file_->File("http.key") + "\"\n");
  }
  std::unique_ptr<testbed::TempDir> key_file_;
};

TEST_F(DashboardTest, PageAssetsAndStateFromTheDaemonItself) {
  ClusterOptions o;
  o.extra_toml = "[history]\nflush_ms = 10\n";
  Start(o);
  ASSERT_TRUE(cluster_->Connect()->Complete(Cluster::Ask("one")).ok);
  cluster_->fake().SetFault("gpt-4o", "mode=error&status=503");
  ASSERT_TRUE(cluster_->Connect()->Complete(Cluster::Ask("two")).ok);

  std::string page = Fetch("/");
  EXPECT_EQ(page.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << page;
  EXPECT_NE(page.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  EXPECT_NE(page.find("<script src=\"/chart.js\"></script>"), std::string::npos);
  std::string chart = Fetch("/chart.js");
  EXPECT_NE(Body(chart).find(" * Chart.js v3.9.1"), std::string::npos) << chart.substr(0, 300);
  EXPECT_NE(chart.find("Content-Type: text/javascript"), std::string::npos);
  EXPECT_NE(Body(Fetch("/dashboard.js")).find("/api/dashboard"), std::string::npos);

  // The history's hour, once the rows are written.
  std::string state;
  ASSERT_TRUE(testbed::PollUntil(5000, [&] {
    state = Body(Fetch("/api/dashboard"));
    return JsonAt(state, "/routes/0/fallbacks") == "1";
  })) << state;
  EXPECT_EQ(JsonAt(state, "/routes/0/name"), R"("chat")");
  EXPECT_EQ(JsonAt(state, "/routes/0/requests"), "2");
  EXPECT_EQ(JsonAt(state, "/routes/0/fallback_reasons/0/reason"), R"("server_error")");
  EXPECT_EQ(JsonAt(state, "/models/0/name"), R"("claude-haiku")");
  EXPECT_NE(state.find(R"({"outcome":"server_error","n":1})"), std::string::npos) << state;
  EXPECT_EQ(JsonAt(state, "/fleet/state"), R"("off")");
  EXPECT_EQ(Fetch("/nothing-here").rfind("HTTP/1.1 404", 0), 0u);
}

TEST_F(DashboardTest, BehindTheKeyOnlyTheFormUntilALogin) {
  StartWithKey();
  std::string form = Fetch("/");
  EXPECT_EQ(form.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << form;
  EXPECT_NE(form.find("<form method=\"post\" action=\"/login\">"), std::string::npos);
  EXPECT_EQ(form.find("/chart.js"), std::string::npos) << "the form names no asset";
  for (const char* path : {"/chart.js", "/dashboard.js", "/dashboard.css", "/api/dashboard"}) {
    EXPECT_EQ(Fetch(path).rfind("HTTP/1.1 401", 0), 0u) << path;
  }
  EXPECT_EQ(Fetch("/login", {}, "key=wrong").rfind("HTTP/1.1 401", 0), 0u);

  std::string login = Fetch("/login", {}, "key=dash-key+01%2/3");
  EXPECT_EQ(login.rfind("HTTP/1.1 303", 0), 0u) << login;
  EXPECT_NE(login.find("Location: /\r\n"), std::string::npos);
  size_t at = login.find("Set-Cookie: switchyard_session=");
  ASSERT_NE(at, std::string::npos) << login;
  std::string cookie_line = login.substr(at, login.find("\r\n", at) - at);
  EXPECT_NE(cookie_line.find("; HttpOnly"), std::string::npos) << cookie_line;
  EXPECT_NE(cookie_line.find("; SameSite=Strict"), std::string::npos) << cookie_line;
  EXPECT_EQ(cookie_line.find("dash-key+01%2/3"), std::string::npos) << "the key is not the session";
  std::string token = cookie_line.substr(12, cookie_line.find(';') - 12);

  std::string page = Fetch("/", {"Cookie: " + token});
  EXPECT_NE(page.find("<canvas id=\"timeline\">"), std::string::npos) << page;
  EXPECT_EQ(Fetch("/api/dashboard", {"Cookie: " + token}).rfind("HTTP/1.1 200", 0), 0u);
  EXPECT_EQ(Fetch("/api/dashboard", {"Cookie: switchyard_session=forged"}).rfind("HTTP/1.1 401", 0),
            0u);
  // A script sends the key itself.
  EXPECT_EQ(
      Fetch("/api/dashboard", {"Authorization: Bearer dash-key+01%2/3"}).rfind("HTTP/1.1 200", 0),
      0u);
  // Out: the session ends.
  Fetch("/logout", {"Cookie: " + token});
  EXPECT_EQ(Fetch("/api/dashboard", {"Cookie: " + token}).rfind("HTTP/1.1 401", 0), 0u);
  EXPECT_EQ(cluster_->daemon_log().find("dash-key+01%2/3"), std::string::npos);
}

TEST_F(DashboardTest, InARealBrowserABreakerOpensOnThePageWithinTwoSeconds) {
  std::string missing = MissingNodeModule("playwright-core");
  if (!missing.empty()) GTEST_SKIP() << missing;
  if (access("/usr/bin/chromium", X_OK) != 0) GTEST_SKIP() << "chromium is not installed";
  StartWithKey();
  std::string shots = std::string(SWITCHYARD_BINARY_DIR) + "/test-artifacts";
  mkdir(shots.c_str(), 0755);
  int code = -1;
  std::string out = Run({"/usr/bin/env", "node",
                         std::string(SWITCHYARD_SOURCE_DIR) + "/tests/node/dashboard_test.cjs",
                         Url(""), "http://127.0.0.1:" + std::to_string(cluster_->fake().port()),
                         "dash-key+01%2/3", shots + "/dashboard.png"},
                        &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("breaker open on the page"), std::string::npos) << out;
}

}  // namespace
}  // namespace switchyard::e2e
