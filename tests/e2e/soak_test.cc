// An hour of a bad day, compressed: mixed traffic (plain, streamed, from many threads) while
// every kind of provider fault comes and goes on every model, with breakers and windows
// shortened so they cycle many times. Afterwards: no leak, no lost request, and a history
// row for every attempt any client was told about.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "e2e/harness.h"
#include "e2e/history_db.h"

namespace switchyard::e2e {
namespace {

constexpr int kPhases = 30;
constexpr int kPhaseMs = 1000;  // one compressed "two minutes" of the hour each

// What each model suffers in each phase: a rotation, so every fault meets every model and
// breakers open, probe and close again and again.
const char* kFaults[] = {
    "mode=ok",
    "mode=ok&latency_ms=50&jitter_ms=100",
    "mode=error&status=500",
    "mode=error&status=429&retry_after_s=1",
    "mode=hang",
    "mode=reset",
    "mode=garbage",
    "mode=empty",
    "mode=truncate",
    "mode=ok&finish=length",
    "mode=cut&chunk_ms=2",
    "mode=stall",
    "mode=ok&rate=0.5&latency_ms=400",
};
constexpr int kFaultCount = sizeof kFaults / sizeof kFaults[0];

TEST(Soak, AnHourOfMixedTrafficAndFaultsInCompressedTime) {
  ClusterOptions opt;
  opt.default_timeout_ms = 250;
  opt.deadline_ms = 2000;
  opt.timeout_toml = "first_token_default_ms = 250\nstall_ms = 300\nwindow_s = 5\n";
  opt.extra_toml =
      "[breaker]\nwindow_s = 3\nmin_calls = 5\ncooldown_ms = 200\nmax_cooldown_ms = 1000\n"
      "[history]\nflush_ms = 20\nretention_days = 1\n";
  opt.log_level = "warn";
  Cluster cluster(opt);
  const char* models[] = {"gpt-4o", "gpt-4o-mini", "claude-3-5-haiku-latest"};

  std::atomic<bool> stop{false};
  std::atomic<int64_t> sent{0}, answered{0}, errors{0}, lost{0}, attempts_told{0};
  std::mutex mu;
  std::vector<std::string> error_codes;
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&, t] {
      auto client = cluster.Connect();
      for (int i = 0; !stop; ++i) {
        CompleteRequest req = Cluster::Ask("soak " + std::to_string(t) + "-" + std::to_string(i));
        ++sent;
        CompleteReply r = (i + t) % 3 == 0 ? client->CompleteStream(req, [](const StreamChunk&) {})
                                           : client->Complete(req);
        if (!r.status.ok()) {
          ++lost;  // the connection broke: a request nobody answered
          continue;
        }
        if (r.ok) {
          ++answered;
          attempts_told += static_cast<int64_t>(r.result.attempts.size());
        } else {
          ++errors;
          attempts_told += static_cast<int64_t>(r.error.attempts.size());
          std::lock_guard<std::mutex> lock(mu);
          error_codes.push_back(r.error.code);
        }
      }
    });
  }

  std::vector<int64_t> rss;
  for (int phase = 0; phase < kPhases; ++phase) {
    for (int m = 0; m < 3; ++m) {
      // Mostly healthy: a fault on each model a third of the time, staggered.
      int f = (phase + m) % 3 == 0 ? 1 + (phase * 7 + m * 5) % (kFaultCount - 1) : 0;
      cluster.fake().SetFault(models[m], kFaults[f]);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kPhaseMs));
    rss.push_back(testbed::RssKiB(cluster.daemon().pid()));
  }
  stop = true;
  for (auto& c : clients) c.join();

  auto client = cluster.Connect();
  StatusReply st = client->GetStatus();
  ASSERT_TRUE(st.ok);
  EXPECT_EQ(st.result.requests_in_flight, 0);
  HistoryStatus h = st.result.history;
  std::printf(
      "soak: %lld requests, %lld answered, %lld errors, %lld attempts; RSS %lld -> %lld "
      "KiB; history written %lld dropped %lld\n",
      static_cast<long long>(sent.load()), static_cast<long long>(answered.load()),
      static_cast<long long>(errors.load()), static_cast<long long>(attempts_told.load()),
      static_cast<long long>(rss[kPhases / 3]), static_cast<long long>(rss.back()),
      static_cast<long long>(h.written_rows), static_cast<long long>(h.dropped_rows));

  // No lost request: every one answered or given an error with a documented code.
  EXPECT_EQ(lost.load(), 0);
  EXPECT_EQ(answered + errors, sent.load());
  EXPECT_GT(answered.load(), sent.load() / 2);
  for (const std::string& code : error_codes) {
    EXPECT_TRUE(code == "all_models_failed" || code == "deadline_exceeded" ||
                code == "partial_answer" || code == "request_rejected")
        << code;
  }
  // No leak: after the first third (allocator arenas, caches and windows warmed), flat.
  int64_t warm = rss[kPhases / 3];
  int64_t peak = *std::max_element(rss.begin() + kPhases / 3, rss.end());
  if (!kSanitized) {
    EXPECT_LT(peak - warm, 12 * 1024) << "RSS grew from " << warm << " to " << peak << " KiB";
  }

  ASSERT_TRUE(cluster.StopDaemon().ok());
  Db db(cluster.history_path());
  // Every attempt a client was told about is in the history, unless counted as dropped.
  // (Breakers' probes are kept too, but no client is told of them.)
  int64_t attempts_on_file = db.Int("SELECT COUNT(*) FROM attempts WHERE probe = 0");
  EXPECT_LE(attempts_told.load() - attempts_on_file, h.dropped_rows);
  EXPECT_GE(attempts_on_file, attempts_told.load() - h.dropped_rows);
  if (h.dropped_rows == 0) {
    EXPECT_EQ(attempts_on_file, attempts_told.load());
    EXPECT_EQ(db.Int("SELECT COUNT(*) FROM requests"), sent.load());
  }
}

}  // namespace
}  // namespace switchyard::e2e
