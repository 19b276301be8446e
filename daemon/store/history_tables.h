// The history's file and the SQL that writes it: the tables of schema/history.sql, opened,
// migrated, and written a batch of encoded records (store/record_codec.h) at a time, in one
// transaction each. Owned by SqliteStore; used by one thread at a time (the writer thread,
// or the loop before the writer starts and after it stops).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/multi_row_insert.h"
#include "store/record_codec.h"
#include "store/sql.h"

namespace switchyard {

class HistoryTables {
 public:
  // Opens (creating if needed) and migrates the file; WAL, synchronous=NORMAL.
  static Status Open(const std::string& path, std::unique_ptr<HistoryTables>* out);
  ~HistoryTables();
  HistoryTables(const HistoryTables&) = delete;
  HistoryTables& operator=(const HistoryTables&) = delete;

  enum class Result {
    kOk,
    kNoSpace,  // the disk, or the size cap, is full: the same rows may go in later
    kFailed,   // any other error: these rows cannot be written
  };
  struct Written {
    Result result = Result::kOk;
    int64_t rows = 0;   // committed
    std::string error;  // SQLite's words, when not kOk
  };
  // Writes the records in `bytes`. With `skip_existing` (what a journal held), requests and
  // breaker transitions already on file are left out, and their spend is not added again.
  Written Write(std::string_view bytes, bool skip_existing = false);

  // Deletes rows that started before `cutoff_wall_ms` (fallback_answers before
  // `answers_cutoff_wall_ms`), a few thousand per statement so the write lock is never held
  // long; then a passive checkpoint. Returns the rows deleted.
  int64_t Prune(int64_t cutoff_wall_ms, int64_t answers_cutoff_wall_ms);
  // Caps the file at `bytes` (0: no cap); it never shrinks below what it holds.
  void SetMaxSize(int64_t bytes);
  // One more than the largest request id on file.
  int64_t NextRequestId();
  // Calls `fn(arg)` every 500 of SQLite's VM instructions from now on.
  void SetProgressHandler(int (*fn)(void*), void* arg);

  sqlite3* db() const { return db_; }

 private:
  explicit HistoryTables(sqlite3* db) : db_(db) {}
  Status Prepare();
  bool InsertRequest(const RequestView& r);
  bool InsertAttempt(int64_t request_id, std::string_view task, int64_t seq, const AttemptView& a);
  bool InsertTransition(const TransitionView& t);
  bool InsertAnswer(const AnswerView& a);
  bool OnFile(const RecordView& v);

  sqlite3* db_;
  MultiRowInsert insert_requests_;
  MultiRowInsert insert_attempts_;
  Statement insert_fallback_;
  Statement insert_transition_;
  Statement insert_answer_;
  Statement add_spend_;
  Statement request_exists_;
  Statement transition_exists_;
  Statement probe_exists_;
  Statement answer_exists_;
};

}  // namespace switchyard
