// The history in SQLite: the Store the router writes to, and the reads the daemon warms up
// with at start. Three parts, each in its own file:
//   - history_tables.h: the file and the SQL that writes it, a batch per transaction (WAL,
//     synchronous=NORMAL, so a crashed process loses nothing committed);
//   - write_queue.h: the bounded queue the loop hands rows to without ever waiting on disk,
//     and the writer thread that commits them every flush_ms, prunes past retention, and
//     takes only CPU nobody else wants while it keeps up;
//   - history_journal.h: every record the loop queues, on file before its answer goes out, so
//     a killed process loses no request it answered: Open() puts what the journal holds and
//     the file lacks into the file.
// Readers (sqlite3) may read the file at any time; WAL lets them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "store/store.h"

namespace switchyard {

class HistoryJournal;
class HistoryTables;
class WriteQueue;

struct StoreOptions {
  std::string path;
  int64_t retention_days = 30;
  int64_t fallback_answers_retention_days = 7;
  // Rows (requests + attempts + fallbacks) that may wait for the writer; more are dropped.
  int64_t queue_rows = 100000;
  // How often the writer commits what is queued; on a saturated machine a row can wait
  // longer, for a core (the journal keeps it through a kill -9 meanwhile).
  int64_t flush_ms = 50;
  // A cap on the file's size (0: none). When it, or the disk, is full, rows stay queued and
  // are retried each second; only what overflows the queue is dropped (and counted).
  int64_t max_size_bytes = 0;
  // The time: how long rows have waited, when to prune, what "today" is (null: the real
  // clock).
  const Clock* clock = nullptr;
};

// An attempt read back at start, to rebuild the latency windows.
struct LoadedAttempt {
  int64_t end_ms;  // wall clock: ts_ms + latency_ms
  std::string model;
  std::string task;
  int64_t latency_ms;  // for a stream: the time to its first text
  bool censored;       // cut off by its timeout (before the first text, for a stream)
  bool first_token;    // a stream's sample: belongs to the time-to-first-token history
};

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) and migrates the file, and recovers its journal. No thread
  // runs until Start().
  static Status Open(const StoreOptions& options, std::unique_ptr<SqliteStore>* out);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Before Start(): latency samples (ok and timed-out attempts) that ended at or after
  // `since_wall_ms`, oldest first.
  Status LoadAttempts(int64_t since_wall_ms, const std::function<void(const LoadedAttempt&)>& fn);
  // Before Start(): per model, the summed uncalibrated prompt estimates and the prompt tokens
  // providers reported for them, over answers since `since_wall_ms`.
  Status LoadCalibration(
      int64_t since_wall_ms,
      const std::function<void(const std::string& model, int64_t estimated, int64_t actual)>& fn);
  // Before Start(): what each route's requests cost on the UTC day of `day_wall_ms`.
  Status LoadSpend(int64_t day_wall_ms,
                   const std::function<void(const std::string& route, double usd)>& fn);
  // Before Start(): breaker transitions since `since_wall_ms`, oldest first.
  Status LoadBreakerTransitions(int64_t since_wall_ms,
                                const std::function<void(const BreakerTransitionRecord&)>& fn);
  // One more than the largest request id on file, the journal's recovered ones included: no
  // id a client was given is handed out again, whatever ended the last run.
  int64_t first_request_id() const { return first_request_id_; }

  void Start();
  // Commits what is queued and stops the writer. Called by the destructor too.
  void Close();
  // Loop thread: writes the records queued since the last call to the journal. Call before
  // sending the answers they stand for.
  void FlushJournal();
  // Loop thread: empties the journal's files whose records are all committed. Call after
  // sending answers: an ftruncate takes a tenth of a millisecond, and no answer should wait
  // behind it.
  void TidyJournal();

  void RecordRequest(RequestRecord&& r) override;
  void RecordBreakerTransition(BreakerTransitionRecord&& t) override;
  void RecordFallbackAnswer(FallbackAnswerRecord&& a) override;
  void RecordProbe(int64_t request_id, const std::string& route, const std::string& task,
                   AttemptRecord&& a) override;
  StoreStats Stats() const override;
  // Changes the size cap while running (the writer applies it before its next batch).
  void SetMaxSizeBytes(int64_t bytes);

 private:
  explicit SqliteStore(StoreOptions options);
  // Puts what the journal holds and the file lacks into the file, and empties the journal.
  Status RecoverJournal();
  // Loop thread: `scratch_` holds the encoded record(s) of `rows` rows.
  void Enqueue(int64_t rows);

  StoreOptions options_;
  RealClock real_clock_;
  std::unique_ptr<HistoryTables> tables_;
  std::unique_ptr<HistoryJournal> journal_;
  std::unique_ptr<WriteQueue> queue_;
  int64_t first_request_id_ = 1;
  bool closed_ = false;
  // Loop thread only.
  std::string scratch_;   // the record being queued
  int64_t next_seq_ = 0;  // numbers the records for the journal
};

}  // namespace switchyard
