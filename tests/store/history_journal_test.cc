#include "store/history_journal.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "store/record_codec.h"
#include "store/sqlite_store.h"

namespace switchyard {
namespace {

class HistoryJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/journal_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/history.db";
  }

  static std::string Request(int64_t id) {
    RequestRecord r;
    r.id = id;
    r.ts_ms = 1'700'000'000'000 + id;
    r.route = "chat";
    r.task = "default";
    r.outcome = "ok";
    r.served_by = "small";
    r.cost_usd = 0.5;
    AttemptRecord& a = r.attempts.emplace_back();
    a.ts_ms = r.ts_ms;
    a.model = "small";
    a.outcome = "ok";
    a.timeout_ms = 900;
    std::string out;
    EncodeRequest(r, &out);
    return out;
  }

  // Ids of the requests in `records`, in order.
  static std::vector<int64_t> Ids(std::string_view records) {
    std::vector<int64_t> ids;
    RecordReader reader(records);
    RecordView v;
    while (reader.Next(&v)) ids.push_back(v.request.id);
    EXPECT_FALSE(reader.broken());
    return ids;
  }

  std::vector<int64_t> Recovered(int64_t* skipped) {
    std::unique_ptr<HistoryJournal> j;
    EXPECT_TRUE(HistoryJournal::Open(path_, &j).ok());
    std::vector<int64_t> ids;
    Status s = j->Recover(
        [&](std::string_view records) {
          for (int64_t id : Ids(records)) ids.push_back(id);
          return Status::Ok();
        },
        skipped);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return ids;
  }

  int64_t Size(int i) {
    struct stat st {};
    return stat((path_ + ".journal-" + std::to_string(i)).c_str(), &st) == 0 ? st.st_size : -1;
  }

  std::string dir_, path_;
};

TEST_F(HistoryJournalTest, WhatWasFlushedIsRecoveredInOrder) {
  {
    std::unique_ptr<HistoryJournal> j;
    ASSERT_TRUE(HistoryJournal::Open(path_, &j).ok());
    for (int64_t id = 1; id <= 5; ++id) {
      j->Append(Request(id), id);
      if (id % 2 == 0) j->Flush();
    }
    j->Append(Request(6), 6);  // never flushed: its answer never went out
  }
  int64_t skipped = -1;
  EXPECT_EQ(Recovered(&skipped), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(skipped, 0);
}

TEST_F(HistoryJournalTest, AFrameCutShortIsSkippedAndTheRestKept) {
  {
    std::unique_ptr<HistoryJournal> j;
    ASSERT_TRUE(HistoryJournal::Open(path_, &j).ok());
    j->Append(Request(1), 1);
    j->Flush();
    j->Append(Request(2), 2);
    j->Flush();
  }
  // The process died in its second write.
  ASSERT_EQ(truncate((path_ + ".journal-0").c_str(), Size(0) - 7), 0);
  int64_t skipped = -1;
  EXPECT_EQ(Recovered(&skipped), (std::vector<int64_t>{1}));
  EXPECT_EQ(skipped, 1);
}

TEST_F(HistoryJournalTest, FilesAreEmptiedOnceTheirRecordsAreCommitted) {
  std::unique_ptr<HistoryJournal> j;
  ASSERT_TRUE(HistoryJournal::Open(path_, &j).ok());
  std::string big(1 << 20, 'x');  // not a record: only sizes are looked at here
  int64_t seq = 0;
  for (int i = 0; i < 12; ++i) {
    j->Append(big, ++seq);
    j->Flush();
    j->Committed(seq - 1);  // the writer one behind
    j->EmptyCommitted();    // as the loop does once the turn's answers are sent
    EXPECT_LE(Size(0) + Size(1), int64_t{7} << 20) << "after " << i;
  }
  j->Committed(seq);
  j->Flush();
  // Emptying is not the write's business: an answer waits for the write, and must not wait
  // for an ftruncate too.
  EXPECT_GT(Size(0) + Size(1), 0);
  j->EmptyCommitted();
  EXPECT_EQ(Size(0) + Size(1), 0);
}

// A daemon killed with answers not yet committed: the next start puts them in the file,
// once each, and starts its ids past them.
TEST_F(HistoryJournalTest, TheStoreRecoversWhatTheFileLacksOnce) {
  {
    std::unique_ptr<SqliteStore> store;
    ASSERT_TRUE(SqliteStore::Open(StoreOptions{path_}, &store).ok());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "INSERT INTO requests (id, ts_ms, route, task, outcome, latency_ms, "
                           "attempts, cost_usd, input_tokens, output_tokens) VALUES "
                           "(1, 0, 'chat', 'default', 'ok', 1, 1, 0, 0, 0)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    std::unique_ptr<HistoryJournal> j;
    ASSERT_TRUE(HistoryJournal::Open(path_, &j).ok());
    for (int64_t id = 1; id <= 3; ++id) j->Append(Request(id), id);  // 1 is on file already
    // A probe of request 2's, twice: a record of its own, recovered once.
    AttemptRecord probe;
    probe.ts_ms = 1'700'000'000'100;
    probe.model = "big";
    probe.outcome = "ok";
    probe.cost_usd = 0.25;
    probe.probe = true;
    std::string bytes;
    EncodeProbe(2, "chat", "default", probe, &bytes);
    j->Append(bytes, 4);
    j->Append(bytes, 5);
    j->Flush();
  }
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(StoreOptions{path_}, &store).ok());
  EXPECT_EQ(store->first_request_id(), 4);
  store.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT (SELECT COUNT(*) FROM requests), (SELECT COUNT(*) FROM "
                               "attempts), (SELECT cost_usd FROM spend_by_route_day)",
                               -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 3);
  EXPECT_EQ(sqlite3_column_int64(st, 1), 3);  // the two recovered requests' and the probe's
  EXPECT_DOUBLE_EQ(sqlite3_column_double(st, 2), 1.25);  // and their spend, once
  sqlite3_finalize(st);
  sqlite3_close(db);
  EXPECT_EQ(Size(0) + Size(1), 0);  // recovered: the journal is empty again
}

}  // namespace
}  // namespace switchyard
