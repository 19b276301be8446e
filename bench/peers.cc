#include "peers.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_load.h"
#include "load.h"
#include "providers/provider.h"
#include "testbed.h"

namespace switchyard::bench {
namespace {

// Portkey's gateway, and the @hono/node-server it runs on: its newer releases break the
// gateway's streams, so it is pinned through npm's overrides.
constexpr const char* kPortkey = "1.15.2";
constexpr const char* kHonoNodeServer = "1.14.1";
constexpr int kRounds = 3;
constexpr int kChunkMs = 5;  // between a stream's events

// Installs Portkey into `dir` unless it is there; returns why not, or "".
std::string InstallPortkey(const std::string& dir) {
  std::string installed = testbed::ReadFile(dir + "/node_modules/@portkey-ai/gateway/package.json");
  if (installed.find(std::string("\"version\": \"") + kPortkey + "\"") != std::string::npos) {
    return "";
  }
  mkdir(dir.c_str(), 0755);
  testbed::WriteFile(dir + "/package.json",
                     std::string(R"({"private": true, "dependencies": {"@portkey-ai/gateway": ")") +
                         kPortkey + R"(", "@hono/node-server": ")" + kHonoNodeServer +
                         R"("}, "overrides": {"@hono/node-server": ")" + kHonoNodeServer +
                         "\"}}\n");
  std::string cmd = "npm install --silent --no-audit --no-fund --prefix '" + dir + "' >'" + dir +
                    "/npm.log' 2>&1";
  if (std::system(cmd.c_str()) != 0) return "npm install failed (" + dir + "/npm.log)";
  return "";
}

// Portkey's gateway on `port`, ready; null and `why` when it would not start.
std::unique_ptr<testbed::Process> StartPortkey(const std::string& dir, int port,
                                               const std::string& log, std::string* why) {
  auto p = std::make_unique<testbed::Process>(
      std::vector<std::string>{"/usr/bin/env", "node",
                               dir + "/node_modules/@portkey-ai/gateway/build/start-server.js",
                               "--port=" + std::to_string(port), "--headless"},
      std::vector<std::string>{"NODE_ENV=production"}, log);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (testbed::HttpGet("http://127.0.0.1:" + std::to_string(port) + "/").find("Gateway") !=
        std::string::npos) {
      return p;
    }
    if (p->Wait(50)) break;  // it exited
  }
  *why = "Portkey did not start (" + log + ")";
  return nullptr;
}

// Whether something accepts connections on loopback `port` within `timeout_ms`.
bool Listening(int port, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = testbed::ConnectLoopback(port);
    if (fd >= 0) {
      close(fd);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// The largest RSS `pid` reaches while `run` runs, sampled every 10 ms.
LoadResult WithPeakRss(pid_t pid, int64_t* peak_kib, const std::function<LoadResult()>& run) {
  std::atomic<bool> done{false};
  int64_t peak = 0;
  std::thread sampler([&] {
    while (!done.load()) {
      peak = std::max(peak, testbed::RssKiB(pid));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  LoadResult r = run();
  done = true;
  sampler.join();
  *peak_kib = std::max(*peak_kib, peak);
  return r;
}

// One way to the provider: how to send a load through it, and the process in the middle
// whose CPU and memory it costs (none for direct).
struct Path {
  std::string name;
  // With `stream`, `first_events` (if set) takes each stream's first event of any kind.
  std::function<LoadResult(int concurrency, int64_t total, bool stream,
                           std::vector<double>* first_events)>
      run;
  pid_t middle = 0;
  int64_t many_total = 30000;  // requests per round at 64 connections
  // Filled in:
  LoadResult one{}, many{}, streams{}, stream{};
  double cpu_seconds = 0;
  int64_t rss_kib = 0;
};

void Pool(LoadResult* into, const LoadResult& r) {
  into->requests += r.requests;
  into->errors += r.errors;
  into->seconds += r.seconds;
  into->latency_us.insert(into->latency_us.end(), r.latency_us.begin(), r.latency_us.end());
  std::sort(into->latency_us.begin(), into->latency_us.end());
}

// Each path in turn, `rounds` times, the order rotated every round.
void Interleave(std::vector<Path*>& paths, const std::function<void(Path&)>& one) {
  for (int round = 0; round < kRounds; ++round) {
    for (size_t i = 0; i < paths.size(); ++i) one(*paths[(i + round) % paths.size()]);
  }
}

std::string Ms(const LoadResult& r) {
  if (r.requests == 0) return r.errors ? "— (" + std::to_string(r.errors) + " errors)" : "—";
  char b[64];
  std::snprintf(b, sizeof b, "%.2f / %.2f ms%s", r.Percentile(50) / 1000, r.Percentile(99) / 1000,
                r.errors ? " (errors!)" : "");
  return b;
}

}  // namespace

void BenchPeers(const std::string& npm_dir) {
  std::printf(
      "\n## peers: direct, Portkey %s and switchyard's HTTP doors, interleaved (%d rounds), one "
      "fake provider and one load generator\n",
      kPortkey, kRounds);
  testbed::ClusterOptions o;
  o.log_level = "warn";
  o.tiers = "\"gpt-4o\"";
  int http_port = testbed::FreeLoopbackPort();
  o.extra_toml = "[http]\nlisten = \"127.0.0.1:" + std::to_string(http_port) + "\"\n";
  testbed::Cluster cluster(o);
  const int fake_port = cluster.fake().port();
  const std::string prompt(1000, 'x');
  CompleteRequest req;
  req.route = "chat";
  req.max_tokens = 64;
  req.messages.emplace_back("user", prompt);
  CompleteRequest streamed = req;
  streamed.stream = true;
  auto provider = MakeOpenAIProvider({cluster.fake().base_url(), "sk-test-openai"});
  const std::string direct_body = provider->Build("gpt-4o", req, req.messages, 64).body;
  const std::string direct_stream = provider->Build("gpt-4o", streamed, req.messages, 64).body;
  // Both doors take this body (a route as the model, max_tokens, the prompt as a string).
  const std::string door_body = R"({"model":"chat","max_tokens":64,"messages":[{"role":"user",)"
                                R"("content":")" +
                                prompt + "\"}]}";
  const std::string door_stream = door_body.substr(0, door_body.size() - 1) + ",\"stream\":true}";
  const std::string key = "Authorization: Bearer sk-test-openai";
  // A path over HTTP: POST `path` on `port` with `headers`, `plain` or `streamed` as its body.
  auto over_http = [](int port, const std::string& path, const std::string& plain,
                      const std::string& streamed, const std::vector<std::string>& headers) {
    return [=](int c, int64_t n, bool s, std::vector<double>* first_events) {
      return RunHttpLoad(port, path, s ? streamed : plain, c, n,
                         HttpLoadOptions{headers, s, first_events});
    };
  };

  Path direct{"direct",
              over_http(fake_port, "/v1/chat/completions", direct_body, direct_stream, {key})};
  Path openai{"switchyard, OpenAI door",
              over_http(http_port, "/v1/chat/completions", door_body, door_stream, {}),
              cluster.daemon().pid()};
  Path anthropic{"switchyard, Anthropic door",
                 over_http(http_port, "/v1/messages", door_body, door_stream, {}),
                 cluster.daemon().pid()};
  Path socket{"switchyard, MessagePack socket",
              [&](int c, int64_t n, bool s, std::vector<double>*) {
                return s ? RunClientStreams(cluster.socket(), streamed, c, n)
                         : RunClientLoad(cluster.socket(), req, c, n);
              },
              cluster.daemon().pid()};

  std::string why;
  std::unique_ptr<testbed::Process> portkey;
  int portkey_port = testbed::FreeLoopbackPort();
  why = InstallPortkey(npm_dir);
  if (why.empty()) portkey = StartPortkey(npm_dir, portkey_port, npm_dir + "/portkey.log", &why);
  Path peer{
      "Portkey " + std::string(kPortkey),
      over_http(portkey_port, "/v1/chat/completions", direct_body, direct_stream,
                {key, "x-portkey-provider: openai",
                 "x-portkey-custom-host: http://127.0.0.1:" + std::to_string(fake_port) + "/v1"}),
      portkey ? portkey->pid() : 0, 3000};
  // The floor under any HTTP/1.1 proxy here: bytes relayed, nothing else done.
  int relay_port = testbed::FreeLoopbackPort();
  testbed::TempDir logs;
  testbed::Process relay_process({testbed::BinaryDir() + "/switchyard_byte_relay",
                                  std::to_string(relay_port), std::to_string(fake_port)},
                                 {}, logs.File("byte_relay.log"));
  if (!Listening(relay_port, 5000)) std::printf("the byte relay did not start\n");
  Path relay{"byte relay (a proxy's floor)",
             over_http(relay_port, "/v1/chat/completions", direct_body, direct_stream, {key}),
             relay_process.pid()};
  std::vector<Path*> all = {&direct, &relay, &openai, &anthropic, &socket};
  if (portkey) all.insert(all.begin() + 1, &peer);

  // Warm every path: connections, JIT, caches.
  for (Path* p : all) p->run(16, 2000, false, nullptr);

  std::vector<Path*> http = all;
  http.erase(std::remove(http.begin(), http.end(), &socket), http.end());
  Interleave(http, [](Path& p) { Pool(&p.one, p.run(1, 1000, false, nullptr)); });
  std::vector<Path*> many = all;
  many.erase(std::remove(many.begin(), many.end(), &anthropic), many.end());
  Interleave(many, [](Path& p) {
    double c0 = p.middle ? testbed::CpuSeconds(p.middle) : 0;
    LoadResult r = p.middle ? WithPeakRss(p.middle, &p.rss_kib,
                                          [&] { return p.run(64, p.many_total, false, nullptr); })
                            : p.run(64, p.many_total, false, nullptr);
    if (p.middle) p.cpu_seconds += testbed::CpuSeconds(p.middle) - c0;
    Pool(&p.many, r);
  });
  // Streams as a model sends them, an event every few milliseconds, so the 16 are in flight
  // together without saturating the machine: the first token's delay is the path's own.
  cluster.fake().SetFault("gpt-4o", "chunk_ms=" + std::to_string(kChunkMs));
  // Direct's first events too, text or not: the provider's own first event.
  LoadResult direct_event;
  Interleave(all, [&](Path& p) {
    Pool(&p.streams, p.run(16, 800, true, &p == &direct ? &direct_event.latency_us : nullptr));
  });
  std::sort(direct_event.latency_us.begin(), direct_event.latency_us.end());
  direct_event.requests = static_cast<int64_t>(direct_event.latency_us.size());
  // One stream at a time: what each path adds with nothing to queue behind.
  Interleave(all, [](Path& p) { Pool(&p.stream, p.run(1, 200, true, nullptr)); });

  std::printf(
      "| | 1 in flight p50 / p99 | req/s at 64 connections | CPU a request in the middle "
      "| RSS under that load | SSE first token p50 / p99, 16 streams (an event every %d ms) | the "
      "same, 1 stream |\n",
      kChunkMs);
  std::printf("|---|---|---|---|---|---|---|\n");
  for (Path* p : all) {
    char rps[64] = "—", cpu[64] = "—", rss[64] = "—";
    if (p->many.requests) {
      std::snprintf(rps, sizeof rps, "%.0f (%.2fx direct)%s", p->many.Rps(),
                    direct.many.Rps() > 0 ? p->many.Rps() / direct.many.Rps() : 0,
                    p->many.errors ? " errors!" : "");
    }
    if (p->middle && p->many.requests) {
      std::snprintf(cpu, sizeof cpu, "%.1f us",
                    1e6 * p->cpu_seconds / static_cast<double>(p->many.requests));
      std::snprintf(rss, sizeof rss, "%.1f MiB", static_cast<double>(p->rss_kib) / 1024);
    }
    std::printf("| %s | %s | %s | %s | %s | %s | %s |\n", p->name.c_str(),
                p == &socket ? "—" : Ms(p->one).c_str(), rps, cpu, rss, Ms(p->streams).c_str(),
                Ms(p->stream).c_str());
  }
  if (!portkey) std::printf("Portkey: %s\n", why.c_str());
  // The targets, as ratios of this run's own figures.
  auto per = [](const Path& p) {
    return p.many.requests ? 1e6 * p.cpu_seconds / static_cast<double>(p.many.requests) : 0;
  };
  // The provider's first event is a role alone; the doors fold it into their first text,
  // so the token, not the event, is what each path delivers first of the answer.
  std::printf("direct's first event (the provider's role alone, before any text), 16 streams: %s\n",
              Ms(direct_event).c_str());
  // The byte relay is measured against the same targets: what a proxy that does nothing
  // but move bytes gets on this machine.
  for (Path* door : {&openai, &anthropic, &socket, &relay}) {
    const LoadResult& s = door->streams;
    std::printf(
        "%s: first token p50 %+.2f ms from direct (target <= +0.3), p99 %.2f ms against 2 x p50 "
        "+ 1 = %.2f ms\n",
        door->name.c_str(), (s.Percentile(50) - direct.streams.Percentile(50)) / 1000,
        s.Percentile(99) / 1000, (2 * s.Percentile(50) + 1000) / 1000);
  }
  std::printf(
      "OpenAI door against the socket at 64: CPU a request %.2fx (target <= 1.5), RSS %.2fx "
      "(target <= 1.25); req/s %.3fx direct (target >= 0.4; a byte relay's: %.2fx, at %.1f us "
      "a request)\n",
      per(socket) > 0 ? per(openai) / per(socket) : 0,
      socket.rss_kib > 0 ? static_cast<double>(openai.rss_kib) / static_cast<double>(socket.rss_kib)
                         : 0,
      direct.many.Rps() > 0 ? openai.many.Rps() / direct.many.Rps() : 0,
      direct.many.Rps() > 0 ? relay.many.Rps() / direct.many.Rps() : 0, per(relay));
  if (portkey) {
    portkey->Signal(SIGTERM);
    portkey->Wait(5000);
  }
}

}  // namespace switchyard::bench
