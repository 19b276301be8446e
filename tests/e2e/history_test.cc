// The history file of a real daemon, read the way an operator reads it: with SQLite, from
// another connection, while (or after) the daemon writes.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "e2e/harness.h"
#include "e2e/history_db.h"
#include "hammer.h"

namespace switchyard::e2e {
namespace {

TEST(History, RowsMatchWhatTheClientsWereTold) {
  ClusterOptions opt;
  opt.default_timeout_ms = 300;
  Cluster cluster(opt);
  auto client = cluster.Connect();
  std::vector<CompleteReply> replies;
  const char* faults[] = {"mode=ok", "mode=error&status=500", "mode=hang", "mode=error&status=429"};
  for (int i = 0; i < 12; ++i) {
    cluster.fake().SetFault("gpt-4o", faults[i % 4]);
    if (i == 11) cluster.fake().SetFault("*", "mode=error&status=503");
    if (i == 11) cluster.fake().SetFault("gpt-4o-mini", "mode=error&status=503");
    replies.push_back(client->Complete(Cluster::Ask("r" + std::to_string(i))));
  }
  ASSERT_TRUE(cluster.StopDaemon().ok());  // flushes the history

  Db db(cluster.history_path());
  EXPECT_EQ(db.Int("SELECT COUNT(*) FROM requests"), 12);
  int64_t attempts = 0, fallbacks = 0;
  for (const CompleteReply& r : replies) {
    ASSERT_TRUE(r.status.ok());
    const auto& list = r.ok ? r.result.attempts : r.error.attempts;
    int64_t id = r.ok ? r.result.request_id : r.error.request_id;
    ASSERT_GT(id, 0);
    attempts += static_cast<int64_t>(list.size());
    fallbacks += static_cast<int64_t>(list.size()) - 1;
    std::string rid = std::to_string(id);
    EXPECT_EQ(db.Int("SELECT COUNT(*) FROM attempts WHERE request_id = " + rid),
              static_cast<int64_t>(list.size()));
    for (size_t i = 0; i < list.size(); ++i) {
      std::string where =
          " FROM attempts WHERE request_id = " + rid + " AND seq = " + std::to_string(i);
      EXPECT_EQ(db.Text("SELECT model" + where), list[i].model);
      EXPECT_EQ(db.Text("SELECT outcome" + where), list[i].outcome);
      EXPECT_EQ(db.Int("SELECT latency_ms" + where), list[i].latency_ms);
      EXPECT_EQ(db.Int("SELECT http_status" + where), list[i].http_status);
      if (i > 0) {
        EXPECT_EQ(db.Text("SELECT reason FROM fallbacks WHERE request_id = " + rid +
                          " AND to_model = '" + list[i].model + "'"),
                  list[i - 1].outcome);
      }
    }
    EXPECT_EQ(db.Text("SELECT outcome FROM requests WHERE id = " + rid),
              r.ok ? "ok" : r.error.code);
    EXPECT_EQ(db.Text("SELECT COALESCE(served_by, '') FROM requests WHERE id = " + rid),
              r.ok ? r.result.model : "");
  }
  EXPECT_EQ(db.Int("SELECT COUNT(*) FROM attempts"), attempts);
  EXPECT_EQ(db.Int("SELECT COUNT(*) FROM fallbacks"), fallbacks);
  EXPECT_GE(db.Int("SELECT COUNT(*) FROM fallbacks WHERE reason = 'timeout'"), 2);
  EXPECT_GE(db.Int("SELECT COUNT(*) FROM fallbacks WHERE reason = 'server_error'"), 3);
  EXPECT_EQ(db.Int("SELECT COUNT(*) FROM requests WHERE outcome = 'all_models_failed'"), 1);
  // The operator views answer on a live file.
  EXPECT_GT(db.Int("SELECT SUM(attempts) FROM latency_by_model_hour"), 0);
  EXPECT_EQ(db.Int("SELECT SUM(requests) FROM fallback_rate_by_route_hour"), 12);
  cluster.StartDaemon();
}

TEST(History, RestartedDaemonKeepsItsLearnedTimeout) {
  ClusterOptions opt;
  opt.timeout_toml = "floor_ms = 20\nmin_samples = 20\n";
  Cluster cluster(opt);
  cluster.fake().SetFault("gpt-4o", "latency_ms=120&jitter_ms=40");
  auto client = cluster.Connect();
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(client->Complete(Cluster::Ask("warm")).ok);
  auto timeout_of = [&](Client& c) {
    StatusReply s = c.GetStatus();
    for (const ModelStatus& m : s.result.models) {
      if (m.name == "gpt-4o") return m.timeout_ms;
    }
    return int64_t{-1};
  };
  int64_t before = timeout_of(*client);
  EXPECT_GT(before, 120);
  EXPECT_LT(before, 400);  // learned, not the 5000 ms default
  client.reset();
  ASSERT_TRUE(cluster.StopDaemon().ok());
  cluster.StartDaemon();
  auto fresh = cluster.Connect();
  int64_t after = timeout_of(*fresh);
  EXPECT_NEAR(after, before, before * 0.03 + 1) << "learned timeout lost across the restart";
}

TEST(History, AReaderHoldingASnapshotStallsNothing) {
  ClusterOptions opt;
  opt.extra_toml = "[history]\nflush_ms = 10\n";
  Cluster cluster(opt);
  auto client = cluster.Connect();
  ASSERT_TRUE(client->Complete(Cluster::Ask("first")).ok);
  // The first request is on file: the reader's snapshot has something in it.
  ASSERT_TRUE(testbed::PollUntil(
      5000, [&] { return client->GetStatus().result.history.written_rows >= 2; }));
  Db reader(cluster.history_path());
  reader.Exec("BEGIN");
  int64_t seen = reader.Int("SELECT COUNT(*) FROM requests");  // the snapshot starts here
  int64_t slowest = 0;
  for (int i = 0; i < 200; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(client->Complete(Cluster::Ask("during")).ok);
    slowest = std::max<int64_t>(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - t0)
                                             .count());
  }
  EXPECT_LT(slowest, 250) << "a request waited on the history";
  EXPECT_EQ(reader.Int("SELECT COUNT(*) FROM requests"), seen);  // still its snapshot
  reader.Exec("COMMIT");
  // The daemon kept writing behind the reader's back: nothing was lost.
  testbed::PollUntil(5000, [&] { return reader.Int("SELECT COUNT(*) FROM requests") >= 201; });
  EXPECT_EQ(reader.Int("SELECT COUNT(*) FROM requests"), 201);
  StatusReply s = client->GetStatus();
  EXPECT_EQ(s.result.history.dropped_rows, 0);
  EXPECT_EQ(s.result.history.write_errors, 0);
}

// Eight clients saturate both cores; the daemon is killed mid-stream, ten times. Every
// request a client heard back about is on file after the restart (the journal kept what the
// writer had not committed), and no id a client was given is handed out again.
TEST(History, KillNineLosesNoAnsweredRequestAndReusesNoId) {
  ClusterOptions opt;
  opt.extra_toml = "[history]\nflush_ms = 50\n";
  Cluster cluster(opt);           // the fake answers at once: the clients keep both cores busy
  std::vector<int64_t> answered;  // ids clients were given, every round
  for (int round = 0; round < 10; ++round) {
    {
      testbed::Hammer load(cluster.socket(), 8);
      ASSERT_TRUE(testbed::PollUntil(10000, [&] { return load.answered() >= 400; }));
      cluster.KillDaemon();
      load.Stop();
      for (int64_t id : load.ids()) answered.push_back(id);
    }
    cluster.StartDaemon();  // recovers the journal

    std::string ids;
    int64_t max_id = 0;
    for (int64_t id : answered) {
      ids += (ids.empty() ? "" : ",") + std::to_string(id);
      max_id = std::max(max_id, id);
    }
    Db db(cluster.history_path());
    EXPECT_EQ(db.Text("PRAGMA integrity_check"), "ok");
    int64_t kept = db.Int("SELECT COUNT(*) FROM requests WHERE id IN (" + ids + ")");
    EXPECT_EQ(kept, static_cast<int64_t>(answered.size())) << "round " << round;
    CompleteReply next = cluster.Connect()->Complete(Cluster::Ask("after the kill"));
    ASSERT_TRUE(next.ok);
    EXPECT_GT(next.result.request_id, max_id) << "round " << round << ": an id handed out again";
    answered.push_back(next.result.request_id);
    std::printf("round %d: %zu answered in all, %lld on file after the restart\n", round,
                answered.size() - 1, static_cast<long long>(kept));
  }
}

}  // namespace
}  // namespace switchyard::e2e
