// The HTTP front door's /metrics and /v1/models, with real clients: curl, promtool, and a
// real Prometheus server that scrapes the daemon.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "harness.h"

namespace switchyard::e2e {
namespace {

using testbed::PollUntil;
using testbed::WriteFile;

// Runs `argv` to its end; its exit code, and what it printed in `out`.
int RunTool(const Cluster& cluster, const std::vector<std::string>& argv, std::string* out) {
  static int n = 0;
  std::string log = cluster.dir().File("run" + std::to_string(++n) + ".out");
  Process p(argv, {}, log);
  int status = 0;
  EXPECT_TRUE(p.Wait(30000, &status)) << argv[0];
  *out = ReadFile(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool Installed(const char* tool) {
  return access((std::string("/usr/bin/") + tool).c_str(), X_OK) == 0;
}

struct FrontDoorCluster {
  explicit FrontDoorCluster(const std::string& more = "") {
    port = testbed::FreeLoopbackPort();
    ClusterOptions o;
    o.extra_toml = "[http]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n" + more;
    cluster = std::make_unique<Cluster>(o);
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  int port = 0;
  std::unique_ptr<Cluster> cluster;
};

TEST(Metrics, CountWhatTheDaemonDidAndPassPromtool) {
  FrontDoorCluster f;
  Cluster& cluster = *f.cluster;
  auto c = cluster.Connect();
  ASSERT_TRUE(c->Complete(Cluster::Ask("one")).ok);
  cluster.fake().SetFault("gpt-4o", "mode=error&status=503");
  CompleteReply fell = c->Complete(Cluster::Ask("two"));
  ASSERT_TRUE(fell.ok);
  ASSERT_EQ(fell.result.model, "gpt-4o-mini");

  std::string out;
  ASSERT_EQ(RunTool(cluster, {"/usr/bin/curl", "-sS", "-D", "-", f.Url("/metrics")}, &out), 0)
      << out;
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_NE(out.find("Content-Type: text/plain; version=0.0.4; charset=utf-8"), std::string::npos);
  for (
      const char* line : {
          R"(switchyard_requests_total{route="chat",outcome="ok"} 2)",
          R"(switchyard_model_calls_total{model="gpt-4o",outcome="server_error"} 1)",
          R"(switchyard_model_calls_total{model="gpt-4o-mini",outcome="ok"} 1)",
          R"(switchyard_fallbacks_total{route="chat",from="gpt-4o",to="gpt-4o-mini",reason="server_error"} 1)",
          R"(switchyard_breaker_state{model="gpt-4o",state="closed"} 1)",
          R"(switchyard_model_call_duration_seconds_count{model="gpt-4o"} 2)",
          R"(switchyard_calls_in_flight{provider="openai"} 0)",
          R"(switchyard_history_dropped_rows_total 0)",
      }) {
    EXPECT_NE(out.find(std::string("\n") + line + "\n"), std::string::npos) << line << "\n" << out;
  }
  EXPECT_NE(out.find("switchyard_timeout_seconds{model=\"gpt-4o\",task=\"default\"}"),
            std::string::npos);
  EXPECT_NE(out.find("switchyard_cost_usd_total{route=\"chat\",model=\"gpt-4o-mini\"}"),
            std::string::npos);

  if (!Installed("promtool")) GTEST_SKIP() << "promtool is not installed (tools/setup.sh)";
  std::string body = out.substr(out.find("\r\n\r\n") + 4);
  WriteFile(cluster.dir().File("metrics.txt"), body);
  std::string checked;
  int rc = RunTool(
      cluster, {"/bin/sh", "-c", "promtool check metrics < " + cluster.dir().File("metrics.txt")},
      &checked);
  EXPECT_EQ(rc, 0) << checked;
}

// The series names a PromQL expression reads: every switchyard_ identifier, a histogram's
// _bucket, _sum and _count read as the histogram.
std::set<std::string> SeriesIn(const std::string& expr) {
  std::set<std::string> out;
  for (size_t at = 0; (at = expr.find("switchyard_", at)) != std::string::npos;) {
    size_t end = at;
    while (end < expr.size() &&
           (std::isalnum(static_cast<unsigned char>(expr[end])) || expr[end] == '_')) {
      ++end;
    }
    std::string name = expr.substr(at, end - at);
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string_view n(name), s(suffix);
      if (n.size() > s.size() && n.substr(n.size() - s.size()) == s) {
        name.resize(name.size() - s.size());
      }
    }
    out.insert(name);
    at = end;
  }
  return out;
}

TEST(Metrics, EveryMetricTheGrafanaDashboardQueriesExists) {
  // The fleet's series exist once [fleet] is set, its Redis reachable or not.
  FrontDoorCluster f("[fleet]\nredis = \"redis://127.0.0.1:1\"\n");
  ASSERT_TRUE(f.cluster->Connect()->Complete(Cluster::Ask("one")).ok);
  std::string metrics;
  ASSERT_EQ(RunTool(*f.cluster, {"/usr/bin/curl", "-sS", f.Url("/metrics")}, &metrics), 0);

  std::string text =
      testbed::ReadFile(std::string(SWITCHYARD_SOURCE_DIR) + "/examples/grafana/switchyard.json");
  simdjson::dom::parser parser;
  simdjson::dom::element dashboard;
  ASSERT_EQ(parser.parse(text).get(dashboard), simdjson::SUCCESS);
  std::set<std::string> queried;
  simdjson::dom::array panels;
  ASSERT_EQ(dashboard["panels"].get_array().get(panels), simdjson::SUCCESS);
  for (simdjson::dom::element panel : panels) {
    simdjson::dom::array targets;
    ASSERT_EQ(panel["targets"].get_array().get(targets), simdjson::SUCCESS);
    for (simdjson::dom::element target : targets) {
      std::string_view expr;
      ASSERT_EQ(target["expr"].get_string().get(expr), simdjson::SUCCESS);
      for (const std::string& name : SeriesIn(std::string(expr))) queried.insert(name);
    }
  }
  EXPECT_GE(queried.size(), 20u);
  for (const std::string& name : queried) {
    EXPECT_NE(metrics.find("\n# TYPE " + name + " "), std::string::npos)
        << name << " is queried by examples/grafana/switchyard.json and not in /metrics";
  }
}

TEST(Metrics, ModelsListTheRoutesAndUnknownPathsAreOpenAIErrors) {
  FrontDoorCluster f;
  std::string out;
  ASSERT_EQ(RunTool(*f.cluster, {"/usr/bin/curl", "-sS", f.Url("/v1/models")}, &out), 0);
  EXPECT_EQ(
      out,
      R"({"object":"list","data":[{"id":"chat","object":"model","created":0,"owned_by":"switchyard"}]})");
  ASSERT_EQ(RunTool(*f.cluster,
                    {"/usr/bin/curl", "-sS", "-w", "%{http_code}", f.Url("/v2/nothing")}, &out),
            0);
  EXPECT_EQ(
      out,
      R"({"error":{"message":"no such endpoint: GET /v2/nothing","type":"invalid_request_error","code":"not_found"}}404)");
  ASSERT_EQ(RunTool(*f.cluster,
                    {"/usr/bin/curl", "-sS", "-w", "%{http_code}", "-X", "POST", f.Url("/metrics")},
                    &out),
            0);
  EXPECT_NE(out.find("405"), std::string::npos) << out;
}

TEST(Metrics, AUnixSocketAndAKeyWhenOneIsSet) {
  TempDir keys;
  std::string key_file = keys.File("front.key");
  WriteFile(key_file, "sk-front-door-1234\n");
  std::string http_socket = keys.File("http.sock");
  FrontDoorCluster f("api_key_file = \"" + key_file + "\"\nsocket = \"" + http_socket + "\"\n");
  std::string out;
  ASSERT_EQ(
      RunTool(*f.cluster, {"/usr/bin/curl", "-sS", "-w", "%{http_code}", f.Url("/metrics")}, &out),
      0);
  EXPECT_NE(out.find("\"code\":\"invalid_api_key\""), std::string::npos) << out;
  EXPECT_EQ(out.substr(out.size() - 3), "401");
  ASSERT_EQ(RunTool(*f.cluster,
                    {"/usr/bin/curl", "-sS", "-w", "%{http_code}", "-H",
                     "Authorization: Bearer sk-front-door-12", f.Url("/metrics")},
                    &out),
            0);
  EXPECT_EQ(out.substr(out.size() - 3), "401");
  ASSERT_EQ(RunTool(*f.cluster,
                    {"/usr/bin/curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                     "Authorization: Bearer sk-front-door-1234", f.Url("/metrics")},
                    &out),
            0);
  EXPECT_EQ(out, "200");
  ASSERT_EQ(RunTool(*f.cluster,
                    {"/usr/bin/curl", "-sS", "--unix-socket", http_socket, "-H",
                     "Authorization: Bearer sk-front-door-1234", "http://switchyard/v1/models"},
                    &out),
            0);
  EXPECT_NE(out.find("\"id\":\"chat\""), std::string::npos) << out;
  EXPECT_EQ(f.cluster->daemon_log().find("sk-front-door"), std::string::npos);
}

TEST(Metrics, ARealPrometheusScrapesTheDaemon) {
  if (!Installed("prometheus")) GTEST_SKIP() << "prometheus is not installed (tools/setup.sh)";
  FrontDoorCluster f;
  Cluster& cluster = *f.cluster;
  auto c = cluster.Connect();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c->Complete(Cluster::Ask("scraped")).ok);
  int prom_port = testbed::FreeLoopbackPort();
  std::string config = cluster.dir().File("prometheus.yml");
  WriteFile(config,
            "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: switchyard\n"
            "    static_configs:\n      - targets: ['127.0.0.1:" +
                std::to_string(f.port) + "']\n");
  Process prom({"/usr/bin/prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + cluster.dir().File("tsdb"),
                "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
               {}, cluster.dir().File("prometheus.log"));
  std::string query = "http://127.0.0.1:" + std::to_string(prom_port) +
                      "/api/v1/query?query=switchyard_requests_total";
  std::string answer;
  bool scraped = PollUntil(60000, [&] {
    answer = testbed::HttpGet(query);
    return answer.find("\"route\":\"chat\"") != std::string::npos;
  });
  ASSERT_TRUE(scraped) << answer << "\n" << ReadFile(cluster.dir().File("prometheus.log"));
  EXPECT_NE(answer.find("\"job\":\"switchyard\""), std::string::npos);
  EXPECT_NE(answer.find("\"3\"]"), std::string::npos) << answer;  // the value, as a string
  std::string up =
      testbed::HttpGet("http://127.0.0.1:" + std::to_string(prom_port) + "/api/v1/query?query=up");
  EXPECT_NE(up.find("\"1\"]"), std::string::npos) << up;
  prom.Signal(SIGTERM);
  EXPECT_TRUE(prom.Wait(20000));
}

}  // namespace
}  // namespace switchyard::e2e
