// switchyard_bench: prints what the daemon costs. Figures, never assertions; run it on a
// quiet machine with `bash bench/run.sh`. Sections (all by default, or --only a,b):
//   store     rows per second the history store sustains (its own writer thread, real file)
//   history   request latency through the daemon with history on, then off, same load
//   incident  the incident replay at full scale: 600 ms primary, 300 ms fallback, the
//             primary at 12 s for 40 s, then 40 s of recovery (about 90 s in all)
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "incident.h"
#include "load.h"
#include "store/sqlite_store.h"
#include "testbed.h"

namespace switchyard::bench {
namespace {

RequestRecord SampleRequest(int64_t id, int64_t ts) {
  RequestRecord r;
  r.id = id;
  r.ts_ms = ts;
  r.route = "chat";
  r.task = "default";
  r.outcome = "ok";
  r.served_by = "gpt-4o-mini";
  r.latency_ms = 700;
  r.attempts = {{ts, "gpt-4o", 600, "timeout", "no answer within 600 ms", 0, 0, 0, 0, 600},
                {ts + 600, "gpt-4o-mini", 100, "ok", "", 200, 812, 95, 0.0002, 600}};
  r.fallbacks = {{ts + 600, "gpt-4o", "gpt-4o-mini", "timeout", "no answer within 600 ms"}};
  return r;
}

void BenchStore(int64_t requests) {
  testbed::TempDir dir;
  StoreOptions o;
  o.path = dir.File("history.db");
  o.queue_rows = 1'000'000;
  std::unique_ptr<SqliteStore> store;
  Status s = SqliteStore::Open(o, &store);
  if (!s.ok()) {
    std::printf("store: %s\n", s.ToString().c_str());
    return;
  }
  store->Start();
  int64_t ts = 1'700'000'000'000;
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < requests; ++i) {
    // Keep the queue from overflowing: this measures what the writer sustains, not drops.
    while (store->Stats().queued_rows > 200'000) std::this_thread::sleep_for(std::chrono::microseconds(200));
    store->RecordRequest(SampleRequest(i + 1, ts + i));
  }
  store->Close();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  StoreStats st = store->Stats();
  std::printf("store     %lld rows (%lld requests of 1 request + 2 attempts + 1 fallback row) in %.2f s: "
              "%.0f rows/s, %lld dropped\n",
              static_cast<long long>(st.written_rows), static_cast<long long>(requests), secs,
              static_cast<double>(st.written_rows) / secs, static_cast<long long>(st.dropped_rows));
}

void BenchHistory(int concurrency, int64_t requests) {
  CompleteRequest req;
  req.route = "chat";
  req.max_tokens = 64;
  req.messages = {{"user", std::string(1000, 'x')}};
  for (bool on : {true, false}) {
    testbed::ClusterOptions opt;
    opt.log_level = "warn";
    if (!on) opt.extra_toml = "[history]\nenabled = false\n";
    testbed::Cluster cluster(opt);
    RunLoad(cluster.socket(), req, concurrency, requests / 10);  // warm up connections
    LoadResult r = RunLoad(cluster.socket(), req, concurrency, requests);
    std::printf("history %-3s concurrency %d, %lld requests, 1 KB prompt: %s\n", on ? "on" : "off",
                concurrency, static_cast<long long>(requests), Describe(r).c_str());
  }
}

void BenchIncident() {
  testbed::IncidentOptions o;
  o.recovery_ms = 40000;
  testbed::Cluster cluster(testbed::IncidentCluster(1.0));
  testbed::IncidentReport r = testbed::RunIncident(cluster, o);
  std::printf("incident replay, 8 clients:\n%s", testbed::Describe(r).c_str());
}

}  // namespace
}  // namespace switchyard::bench

int main(int argc, char** argv) {
  CLI::App app{"switchyard_bench: what the daemon costs"};
  std::vector<std::string> only;
  std::string bin_dir;
  int64_t store_requests = 200000, requests = 20000;
  app.add_option("--only", only, "sections to run: store, history, incident");
  app.add_option("--bin-dir", bin_dir, "where switchyardd and fake_provider are");
  app.add_option("--store-requests", store_requests, "requests written by the store section");
  app.add_option("--requests", requests, "requests per load measurement");
  CLI11_PARSE(app, argc, argv);
  if (!bin_dir.empty()) switchyard::testbed::SetBinaryDir(bin_dir);
  auto want = [&](const std::string& s) {
    return only.empty() || std::find(only.begin(), only.end(), s) != only.end();
  };
  if (want("store")) switchyard::bench::BenchStore(store_requests);
  if (want("incident")) switchyard::bench::BenchIncident();
  if (want("history")) {
    switchyard::bench::BenchHistory(1, requests);
    switchyard::bench::BenchHistory(4, requests);
    switchyard::bench::BenchHistory(16, requests);
  }
  return 0;
}
