// A daemon with its HTTP front door on a loopback port, and curl to talk to it: the fixture
// of the front door's end-to-end tests.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"

namespace switchyard::e2e {

class HttpFront : public ::testing::Test {
 protected:
  void Start(const std::string& more = "") {
    ClusterOptions o;
    Start(o, more);
  }
  void Start(ClusterOptions o, const std::string& more = "") {
    port_ = testbed::FreeLoopbackPort();
    o.extra_toml += "[http]\nlisten = \"127.0.0.1:" + std::to_string(port_) + "\"\n" + more;
    cluster_ = std::make_unique<Cluster>(o);
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // POSTs `body` to the chat endpoint with curl; the whole answer, head and body.
  std::string Post(const std::string& body, std::vector<std::string> headers = {}) {
    std::vector<std::string> argv = {
        "/usr/bin/curl", "-sS", "-N", "-D", "-", "-H", "Content-Type: application/json"};
    for (const std::string& h : headers) {
      argv.push_back("-H");
      argv.push_back(h);
    }
    argv.insert(argv.end(), {"--data-binary", body, Url("/v1/chat/completions")});
    return Run(argv);
  }
  std::string Run(const std::vector<std::string>& argv, int* code = nullptr) {
    static int n = 0;
    std::string log = cluster_->dir().File("out" + std::to_string(++n));
    Process p(argv, {}, log);
    int status = 0;
    EXPECT_TRUE(p.Wait(30000, &status));
    if (code) *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return ReadFile(log);
  }

  // "" when npm package `name` is in SWITCHYARD_NODE_MODULES, else why a test needing it
  // is skipped.
  static std::string MissingNodeModule(const std::string& name) {
    const char* modules = std::getenv("SWITCHYARD_NODE_MODULES");
    if (modules && access((std::string(modules) + "/" + name).c_str(), R_OK) == 0) return "";
    return "the " + name +
           " npm package is not installed (tools/test.sh installs it and sets "
           "SWITCHYARD_NODE_MODULES)";
  }
  // Runs tests/node/`script` against the daemon's `base_url` and the fake provider, with
  // API key `key`: its output, and its exit status in `code`.
  std::string RunNodeTest(const std::string& script, const std::string& base_url,
                          const std::string& key, int* code) {
    return Run(
        {"/usr/bin/env", "node", std::string(SWITCHYARD_SOURCE_DIR) + "/tests/node/" + script,
         base_url, "http://127.0.0.1:" + std::to_string(cluster_->fake().port()), key},
        code);
  }

  int port_ = 0;
  std::unique_ptr<Cluster> cluster_;
};

}  // namespace switchyard::e2e
