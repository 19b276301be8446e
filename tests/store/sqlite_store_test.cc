#include "store/sqlite_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "fakes/fake_clock.h"
#include "store/migrations.h"
#include "store/writer_priority.h"
#include "testbed.h"

namespace switchyard {
namespace {

constexpr int kWaitMs = 5000;  // for the writer thread to get somewhere

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/sqlite_store_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/history.db";
  }

  // Runs `sql` on the file with a separate connection, as an operator's sqlite3 would.
  int64_t Query(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
      v = sqlite3_column_int64(st, 0);
    } else {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
  }

  StoreOptions Options() {
    StoreOptions o;
    o.path = path_;
    return o;
  }

  static RequestRecord Request(int64_t id, int64_t ts) {
    RequestRecord r;
    r.id = id;
    r.ts_ms = ts;
    r.route = "chat";
    r.task = "default";
    r.outcome = "ok";
    r.served_by = "small";
    r.latency_ms = 900;
    r.attempts = {{ts, "big", 600, "timeout", "no answer within 600 ms", 0, 0, 0, 0, 600},
                  {ts + 600, "small", 300, "ok", "", 200, 10, 5, 0.001, 600}};
    r.fallbacks = {{ts + 600, "big", "small", "timeout", "no answer within 600 ms"}};
    return r;
  }

  std::string dir_, path_;
};

TEST_F(SqliteStoreTest, WritesRequestsAttemptsAndDerivedFallbacks) {
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  EXPECT_EQ(store->first_request_id(), 1);
  store->Start();
  store->RecordRequest(Request(1, 1'700'000'000'000));
  store->RecordRequest(Request(2, 1'700'000'001'000));
  store->Close();
  EXPECT_EQ(store->Stats().written_rows, 2 * (1 + 2 + 1));
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests"), 2);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts"), 4);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM fallbacks WHERE from_model = 'big' AND to_model = 'small' "
                  "AND reason = 'timeout'"),
            2);
  EXPECT_EQ(Query("SELECT seq FROM attempts WHERE request_id = 2 AND model = 'small'"), 1);
  store.reset();
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  EXPECT_EQ(store->first_request_id(), 3);  // ids stay unique across restarts
}

// Requests and attempts go to SQLite several rows a statement: a batch that is not a multiple
// of that keeps every row, each with its own values and none of a neighbour's.
TEST_F(SqliteStoreTest, ABatchOfManyRequestsKeepsEachRowsOwnValues) {
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  constexpr int kRequests = 37;
  for (int i = 1; i <= kRequests; ++i) {
    RequestRecord r = Request(i, 1'700'000'000'000 + i);
    r.latency_ms = 1000 + i;
    r.attempts[1].ttft_ms = i % 2 ? 50 + i : -1;  // NULL for every other one
    if (i % 5 == 0) r.attempts.pop_back();
    store->RecordRequest(std::move(r));
  }
  store->Start();
  store->Close();
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests"), kRequests);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts"), 2 * kRequests - kRequests / 5);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests WHERE latency_ms <> 1000 + id OR "
                  "ts_ms <> 1700000000000 + id"),
            0);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts a JOIN requests r ON r.id = a.request_id "
                  "WHERE a.ts_ms NOT IN (r.ts_ms, r.ts_ms + 600)"),
            0);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts WHERE seq = 1 AND "
                  "(ttft_ms IS NOT NULL) <> (request_id % 2 = 1)"),
            0);
  EXPECT_EQ(Query("SELECT SUM(ttft_ms) FROM attempts"), [] {
    int64_t sum = 0;
    for (int i = 1; i <= kRequests; i += 2) sum += i % 5 ? 50 + i : 0;
    return sum;
  }());
}

// A batch SQLite refuses part-way (here a request id twice) is rolled back whole and counted
// as lost, never half-written; the writer goes on with the next.
TEST_F(SqliteStoreTest, ABatchRefusedPartWayLeavesNoRowOfItAndTheNextIsWritten) {
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  for (int i = 1; i <= 20; ++i) store->RecordRequest(Request(i, 1'700'000'000'000 + i));
  store->RecordRequest(Request(7, 1'700'000'000'100));  // taken, in the same batch
  store->Start();
  ASSERT_TRUE(testbed::PollUntil(kWaitMs, [&] { return store->Stats().write_errors > 0; }));
  EXPECT_EQ(store->Stats().dropped_rows, 21 * 4);
  store->RecordRequest(Request(30, 1'700'000'000'200));
  store->Close();
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests"), 1);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts"), 2);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM fallbacks"), 1);
  EXPECT_EQ(Query("SELECT id FROM requests"), 30);
}

// The yield is wired in through SQLite's progress handler; without it a batch that takes
// milliseconds would hold its core throughout. 20,000 requests are 80,000 rows: tens of
// milliseconds of inserts on any machine, so hundreds of 100 us intervals.
TEST_F(SqliteStoreTest, TheWriterYieldsItsCoreDuringALongBatch) {
  std::unique_ptr<SqliteStore> store;
  StoreOptions o = Options();
  o.queue_rows = 100'000;
  ASSERT_TRUE(SqliteStore::Open(o, &store).ok());
  for (int i = 0; i < 20'000; ++i) store->RecordRequest(Request(i + 1, 1'700'000'000'000 + i));
  EXPECT_EQ(store->Stats().writer_yields, 0);
  store->Start();
  store->Close();
  ASSERT_EQ(store->Stats().written_rows, 80'000);
  EXPECT_GT(store->Stats().writer_yields, 0);
}

TEST_F(SqliteStoreTest, OperatorViewsAnswer) {
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  store->Start();
  for (int i = 0; i < 20; ++i) store->RecordRequest(Request(i + 1, 1'700'000'000'000 + i));
  store->Close();
  EXPECT_EQ(Query("SELECT p95_ms FROM latency_by_model_hour WHERE model = 'big'"), 600);
  EXPECT_EQ(Query("SELECT attempts FROM latency_by_model_hour WHERE model = 'small'"), 20);
  EXPECT_EQ(Query("SELECT fell_back FROM fallback_rate_by_route_hour WHERE route = 'chat'"), 20);
  EXPECT_EQ(Query("SELECT input_tokens FROM cost_by_model_day WHERE model = 'small'"), 200);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests_view WHERE ts = '2023-11-14T22:13:20.000Z'"), 1);
}

// A tier passed over without a call keeps its row (it explains the fallback) but is no
// latency sample: the request counts calls and skips apart, and the views count calls.
TEST_F(SqliteStoreTest, SkippedTiersAreKeptButCountedApartFromCalls) {
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  store->Start();
  for (int i = 0; i < 10; ++i) {
    RequestRecord r = Request(i + 1, 1'700'000'000'000 + i);
    AttemptRecord skip;
    skip.ts_ms = r.ts_ms;
    skip.model = "big";
    skip.outcome = "breaker_open";
    skip.reason = "breaker open; half-opens in 900 ms";
    skip.called = false;
    r.attempts = {skip, r.attempts[1]};
    r.fallbacks = {{r.ts_ms, "big", "small", "breaker_open", "breaker open"}};
    store->RecordRequest(std::move(r));
  }
  store->Close();
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts WHERE called = 0 AND model = 'big'"), 10);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts WHERE called = 1 AND model = 'small'"), 10);
  EXPECT_EQ(Query("SELECT SUM(attempts) FROM requests"), 10);
  EXPECT_EQ(Query("SELECT SUM(skipped) FROM requests"), 10);
  // The skipped primary has no latency row at all; the fallback still shows as one.
  EXPECT_EQ(Query("SELECT COUNT(*) FROM latency_by_model_hour WHERE model = 'big'"), 0);
  EXPECT_EQ(Query("SELECT attempts FROM latency_by_model_hour WHERE model = 'small'"), 10);
  EXPECT_EQ(Query("SELECT fell_back FROM fallback_rate_by_route_hour"), 10);
  EXPECT_EQ(Query("SELECT attempts FROM cost_by_model_day WHERE model = 'big'"), 0);
  EXPECT_EQ(Query("SELECT attempts FROM cost_by_model_route_day WHERE model = 'small'"), 10);
}

TEST_F(SqliteStoreTest, LoadsLatencySamplesSinceATime) {
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  store->Start();
  store->RecordRequest(Request(1, 1000000));
  store->RecordRequest(Request(2, 5000000));
  store->Close();
  store.reset();
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  std::vector<LoadedAttempt> got;
  ASSERT_TRUE(store->LoadAttempts(4000000, [&](const LoadedAttempt& a) { got.push_back(a); }).ok());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].model, "big");
  EXPECT_TRUE(got[0].censored);
  EXPECT_EQ(got[0].end_ms, 5000600);
  EXPECT_EQ(got[1].model, "small");
  EXPECT_FALSE(got[1].censored);
}

// A probe's row comes after its request's, under the same request with seq -1; its cost is
// the route's spend. At start a cut-off is a sample at its timeout (even for a last tier
// that ran on past it), an answered probe a sample, an unanswered probe none.
TEST_F(SqliteStoreTest, ProbesAndLastTiersAreKeptAndLoadedAsTheirSamples) {
  const int64_t ts = 1'700'000'000'000;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  store->Start();
  RequestRecord r = Request(1, ts);
  r.attempts[1].outcome = "timeout";
  r.attempts[1].latency_ms = 4000;  // the last tier, kept to the ceiling past its 600 ms
  r.attempts[1].last_tier = true;
  store->RecordRequest(std::move(r));
  AttemptRecord answered{ts + 1, "big", 1500, "ok", "", 200, 100, 50, 0.25, 10000};
  answered.probe = true;
  store->RecordProbe(1, "chat", "default", AttemptRecord(answered));
  AttemptRecord hung{ts + 5000, "big", 10000, "timeout", "timed out", 0, 100, 0, 0.5, 10000};
  hung.probe = true;
  store->RecordProbe(1, "chat", "default", std::move(hung));
  store->Close();
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts WHERE request_id = 1 AND seq = -1 AND probe = 1"),
            2);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts WHERE probe = 0"), 2);
  EXPECT_EQ(Query("SELECT last_tier FROM attempts WHERE seq = 1"), 1);
  EXPECT_EQ(Query("SELECT CAST(ROUND(cost_usd * 100) AS INTEGER) FROM spend_by_route_day"), 75);
  store.reset();
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  std::vector<LoadedAttempt> got;
  ASSERT_TRUE(store->LoadAttempts(ts - 1, [&](const LoadedAttempt& a) { got.push_back(a); }).ok());
  ASSERT_EQ(got.size(), 3u);
  for (const LoadedAttempt& a : got) {
    if (a.model == "small") {
      EXPECT_TRUE(a.censored);
      EXPECT_EQ(a.latency_ms, 600);
    } else if (a.censored) {
      EXPECT_EQ(a.latency_ms, 600);  // big's own cut-off in the request
    } else {
      EXPECT_EQ(a.latency_ms, 1500);  // the answered probe
    }
  }
}

// A cut-off call kept running: its row (probe = 1, the same start as its cut-off's) is the
// sample when it answered or ran out; when it failed, the cut-off is, at its timeout.
TEST_F(SqliteStoreTest, CutOffCallsKeptRunningAreLoadedAsTheSampleTheyGave) {
  const int64_t ts = 1'700'000'000'000;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  store->Start();
  const char* tails[] = {"ok", "timeout", "server_error"};
  for (int i = 0; i < 3; ++i) {
    int64_t start = ts + 100000 * i;
    store->RecordRequest(Request(1 + i, start));  // big cut off at 600 ms, small answers
    AttemptRecord tail{start, "big", 1500 + 8500 * (i == 1), tails[i], "", 0, 100, 0, 0.1, 10000};
    tail.probe = true;
    store->RecordProbe(1 + i, "chat", "default", std::move(tail));
  }
  store->Close();
  store.reset();
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  std::vector<LoadedAttempt> big;
  ASSERT_TRUE(store
                  ->LoadAttempts(ts - 1,
                                 [&](const LoadedAttempt& a) {
                                   if (a.model == "big") big.push_back(a);
                                 })
                  .ok());
  ASSERT_EQ(big.size(), 3u);
  EXPECT_FALSE(big[0].censored);  // answered after its cutoff
  EXPECT_EQ(big[0].latency_ms, 1500);
  EXPECT_TRUE(big[1].censored);  // ran out at the ceiling
  EXPECT_EQ(big[1].latency_ms, 10000);
  EXPECT_TRUE(big[2].censored);  // failed: the cut-off stands
  EXPECT_EQ(big[2].latency_ms, 600);
}

TEST_F(SqliteStoreTest, KeepsStreamsTruncationAndWhatRestartsNeed) {
  const int64_t day = 1'700'006'400'000;  // 00:00 UTC
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  store->Start();
  RequestRecord r = Request(1, day - 3600000);  // yesterday: not today's spend
  r.cost_usd = 5;
  store->RecordRequest(std::move(r));
  for (int i = 0; i < 3; ++i) {
    RequestRecord q = Request(2 + i, day + 1000LL * i);
    q.cost_usd = 0.25;
    q.truncated = true;
    AttemptRecord& a = q.attempts[1];
    a.stream = true;
    a.ttft_ms = 120;
    a.truncated = true;
    a.tokens_before = 150000;
    a.tokens_after = 15000;
    a.est_tokens = 10000;
    a.input_tokens = 12000;  // the provider counts 1.2x the estimate
    store->RecordRequest(std::move(q));
  }
  store->Close();
  store.reset();
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts WHERE stream = 1 AND ttft_ms = 120 AND "
                  "truncated = 1 AND tokens_before = 150000 AND tokens_after = 15000"),
            3);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts WHERE ttft_ms IS NULL"), 5);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM cost_by_model_route_day WHERE route = 'chat'"), 4);

  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  int first_token = 0, answers = 0;
  ASSERT_TRUE(store
                  ->LoadAttempts(day - 86400000,
                                 [&](const LoadedAttempt& a) {
                                   if (a.first_token) {
                                     ++first_token;
                                     EXPECT_EQ(a.latency_ms, 120);  // the TTFT, not the total
                                     EXPECT_FALSE(a.censored);
                                   } else {
                                     ++answers;
                                   }
                                 })
                  .ok());
  EXPECT_EQ(first_token, 3);
  EXPECT_EQ(answers, 5);  // 4 timeouts of big, 1 non-stream answer
  int64_t est = 0, actual = 0;
  ASSERT_TRUE(store
                  ->LoadCalibration(day - 86400000,
                                    [&](const std::string& model, int64_t e, int64_t a) {
                                      if (model == "small") est = e, actual = a;
                                    })
                  .ok());
  EXPECT_EQ(est, 30000);
  EXPECT_EQ(actual, 36000);
  double spent = 0;
  ASSERT_TRUE(store->LoadSpend(day, [&](const std::string&, double usd) { spent += usd; }).ok());
  EXPECT_DOUBLE_EQ(spent, 0.75);
}

// The full-disk path, through SQLite's max_page_count (history.max_size_mb): rows wait in the
// queue, nothing is lost, and writing resumes when there is room again.
TEST_F(SqliteStoreTest, NoSpaceKeepsRowsQueuedAndResumes) {
  StoreOptions o = Options();
  o.flush_ms = 10;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(o, &store).ok());
  store->SetMaxSizeBytes(1);  // no page beyond those the file has
  store->Start();
  const int kRequests = 200;
  for (int i = 0; i < kRequests; ++i) {
    RequestRecord r = Request(i + 1, 1'700'000'000'000 + i);
    r.error = std::string(2000, 'e');  // rows that need new pages
    store->RecordRequest(std::move(r));
  }
  ASSERT_TRUE(testbed::PollUntil(kWaitMs, [&] { return store->Stats().write_errors > 0; }));
  StoreStats full = store->Stats();
  EXPECT_GT(full.queued_rows, 0);
  EXPECT_EQ(full.dropped_rows, 0);
  store->SetMaxSizeBytes(0);  // space is back
  ASSERT_TRUE(testbed::PollUntil(kWaitMs, [&] { return store->Stats().queued_rows == 0; }));
  store->Close();
  EXPECT_EQ(store->Stats().dropped_rows, 0);
  store.reset();
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests"), kRequests);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts"), 2 * kRequests);
  EXPECT_EQ(Query("SELECT MIN(id) FROM requests"), 1);
}

TEST_F(SqliteStoreTest, NoSpaceBeyondTheQueueDropsAndCounts) {
  StoreOptions o = Options();
  o.flush_ms = 10;
  o.queue_rows = 40;  // ten requests of four rows
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(o, &store).ok());
  store->SetMaxSizeBytes(1);
  store->Start();
  for (int i = 0; i < 100; ++i) {
    RequestRecord r = Request(i + 1, 1'700'000'000'000 + i);
    r.error = std::string(2000, 'e');
    store->RecordRequest(std::move(r));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  store->SetMaxSizeBytes(0);
  store->Close();
  StoreStats st = store->Stats();
  EXPECT_GT(st.dropped_rows, 0);
  store.reset();
  // Every row is either on file or counted as dropped.
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests") * 4 + st.dropped_rows, 100 * 4);
}

TEST_F(SqliteStoreTest, WriterIdlesUntilItsQueueFillsThenCatchesUpAtNormalPriority) {
  if (!CanLeaveIdlePriority()) GTEST_SKIP() << "no CAP_SYS_NICE and RLIMIT_NICE below +10 here";
  FakeClock clock;  // stands still: no row is ever late, so only the queue's size can move it
  StoreOptions o = Options();
  o.flush_ms = 10;
  o.queue_rows = 400;  // a quarter is 25 requests of four rows
  o.clock = &clock;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(o, &store).ok());
  store->Start();
  ASSERT_TRUE(testbed::PollUntil(kWaitMs, [&] { return store->Stats().writer_idle; }));
  // A writer that finds no space falls behind: rows pile up past a quarter of the queue.
  store->SetMaxSizeBytes(1);
  for (int i = 0; i < 30; ++i) {
    RequestRecord r = Request(i + 1, 1'700'000'000'000 + i);
    r.error = std::string(2000, 'e');
    store->RecordRequest(std::move(r));
  }
  ASSERT_TRUE(testbed::PollUntil(kWaitMs, [&] { return store->Stats().write_errors > 0; }));
  EXPECT_FALSE(store->Stats().writer_idle);
  store->SetMaxSizeBytes(0);
  ASSERT_TRUE(testbed::PollUntil(
      kWaitMs, [&] { return store->Stats().queued_rows == 0 && store->Stats().writer_idle; }));
  store->Close();
  EXPECT_EQ(store->Stats().dropped_rows, 0);
  store.reset();
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests"), 30);
}

// The event loop's side of the time bound: rows that have waited two flush intervals put the
// writer at normal priority on the next enqueue, however few they are (the writer, asleep
// here for a minute, cannot notice for itself).
TEST_F(SqliteStoreTest, WriterLateByTwoFlushesIsPromotedWhateverTheQueue) {
  if (!CanLeaveIdlePriority()) GTEST_SKIP() << "no CAP_SYS_NICE and RLIMIT_NICE below +10 here";
  FakeClock clock;
  StoreOptions o = Options();
  o.flush_ms = 60000;
  o.clock = &clock;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(o, &store).ok());
  store->Start();
  ASSERT_TRUE(testbed::PollUntil(kWaitMs, [&] { return store->Stats().writer_idle; }));
  store->RecordRequest(Request(1, 1'700'000'000'000));
  clock.Advance(2 * 60000 - 1);
  store->RecordRequest(Request(2, 1'700'000'000'001));
  EXPECT_TRUE(store->Stats().writer_idle) << "promoted before it was late";
  clock.Advance(1);
  store->RecordRequest(Request(3, 1'700'000'000'002));
  EXPECT_FALSE(store->Stats().writer_idle) << "the first row waited two flush intervals";
  EXPECT_EQ(store->Stats().queued_rows, 12);  // far below a quarter of the queue
  store->Close();
  store.reset();
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests"), 3);
}

TEST_F(SqliteStoreTest, FullQueueDropsAndCounts) {
  StoreOptions o = Options();
  o.queue_rows = 100;  // room for 25 requests of 4 rows
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(o, &store).ok());
  for (int i = 0; i < 40; ++i)
    store->RecordRequest(Request(i + 1, 1000 + i));  // writer not started
  StoreStats s = store->Stats();
  EXPECT_EQ(s.queued_rows, 100);
  EXPECT_EQ(s.dropped_rows, 15 * 4);
  store->Close();
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests"), 25);
}

TEST_F(SqliteStoreTest, RetentionPrunesOldRows) {
  StoreOptions o = Options();
  o.retention_days = 1;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(o, &store).ok());
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  for (int i = 0; i < 3000; ++i) store->RecordRequest(Request(i + 1, now - 3 * 86400000LL));
  store->RecordRequest(Request(5000, now));
  store->Close();
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests"), 3001);
  store.reset();
  ASSERT_TRUE(SqliteStore::Open(o, &store).ok());
  store->Start();  // the writer prunes as it starts, in chunks
  store->Close();
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests"), 1);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts"), 2);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM fallbacks"), 1);
}

TEST_F(SqliteStoreTest, KeptFallbackAnswersArePrunedOnTheirOwnSchedule) {
  StoreOptions o = Options();
  o.retention_days = 30;
  o.fallback_answers_retention_days = 2;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(o, &store).ok());
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto answer = [](int64_t id, int64_t ts) {
    FallbackAnswerRecord a;
    a.request_id = id;
    a.ts_ms = ts;
    a.route = "chat";
    a.task = "default";
    a.served_by = "small";
    a.first_tier = "big";
    a.reason = "timeout: no answer within 600 ms";
    a.messages_json = R"([{"role":"user","content":"hi \"there\""}])";
    a.truncated = true;
    a.content = "hello";
    a.finish_reason = "stop";
    return a;
  };
  store->RecordRequest(Request(1, now - 3 * 86400000LL));
  store->RecordFallbackAnswer(answer(1, now - 3 * 86400000LL));
  store->RecordRequest(Request(2, now));
  store->RecordFallbackAnswer(answer(2, now));
  store->Close();
  EXPECT_EQ(Query("SELECT COUNT(*) FROM fallback_answers"), 2);
  EXPECT_EQ(Query("SELECT truncated FROM fallback_answers WHERE request_id = 2"), 1);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM fallback_answers_view WHERE ts LIKE '____-__-__T%Z' "
                  "AND content = 'hello' AND json_valid(messages_json) AND "
                  "json_extract(messages_json, '$[0].content') = 'hi \"there\"'"),
            2);
  store.reset();
  ASSERT_TRUE(SqliteStore::Open(o, &store).ok());
  store->Start();
  store->Close();
  // Three days old: past the answers' 2 days, within the rest's 30.
  EXPECT_EQ(Query("SELECT COUNT(*) FROM fallback_answers"), 1);
  EXPECT_EQ(Query("SELECT request_id FROM fallback_answers"), 2);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests"), 2);
}

TEST_F(SqliteStoreTest, OlderSchemaIsUpgradedKeepingItsRows) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(Migrate(db, 1).ok());
  ASSERT_EQ(
      sqlite3_exec(db,
                   "INSERT INTO requests (id, ts_ms, route, task, outcome, latency_ms, attempts,"
                   " cost_usd, input_tokens, output_tokens) VALUES (7, 1, 'chat', 'default', 'ok',"
                   " 5, 1, 0, 1, 1)",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(Query("PRAGMA user_version"), 1);
  std::unique_ptr<SqliteStore> store;
  Status s = SqliteStore::Open(Options(), &store);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(store->first_request_id(), 8);
  store.reset();
  EXPECT_EQ(Query("PRAGMA user_version"), HistoryMigrations().back().version);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM requests_view"), 1);
}

// Rows written before `attempts.called` existed: skips (the attempts given no timeout) are
// marked, and requests.attempts, which counted them, counts calls only.
TEST_F(SqliteStoreTest, MigrationMarksOldSkipRowsAndRecountsRequests) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(Migrate(db, 3).ok());
  ASSERT_EQ(sqlite3_exec(
                db,
                "INSERT INTO requests (id, ts_ms, route, task, served_by, outcome, latency_ms, "
                "attempts, cost_usd, input_tokens, output_tokens) VALUES "
                "(1, 0, 'chat', 'default', 'small', 'ok', 5, 3, 0, 1, 1),"
                "(2, 0, 'chat', 'default', 'big', 'ok', 5, 1, 0, 1, 1);"
                "INSERT INTO attempts (request_id, seq, ts_ms, model, task, latency_ms, outcome, "
                "timeout_ms) VALUES (1, 0, 0, 'big', 'default', 0, 'breaker_open', 0),"
                "(1, 1, 0, 'mid', 'default', 0, 'context_overflow', 0),"
                "(1, 2, 0, 'small', 'default', 40, 'ok', 900),"
                "(2, 0, 0, 'big', 'default', 70, 'ok', 900);",
                nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(Options(), &store).ok());
  store.reset();
  EXPECT_EQ(Query("SELECT COUNT(*) FROM attempts WHERE called = 0"), 2);
  EXPECT_EQ(Query("SELECT attempts * 10 + skipped FROM requests WHERE id = 1"), 12);
  EXPECT_EQ(Query("SELECT attempts * 10 + skipped FROM requests WHERE id = 2"), 10);
  EXPECT_EQ(Query("SELECT SUM(attempts) FROM latency_by_model_hour"), 2);
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefusedWithAClearMessage) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  std::unique_ptr<SqliteStore> store;
  Status s = SqliteStore::Open(Options(), &store);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("schema version 99 is newer than this switchyardd knows"),
            std::string::npos)
      << s.message();
}

TEST_F(SqliteStoreTest, CorruptFileIsRefused) {
  std::ofstream(path_) << std::string(8192, 'x');
  std::unique_ptr<SqliteStore> store;
  Status s = SqliteStore::Open(Options(), &store);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("is not a usable SQLite database"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace switchyard
