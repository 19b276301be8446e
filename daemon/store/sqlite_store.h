// The history in SQLite. The loop thread hands rows over through a bounded queue and never
// waits on disk; one writer thread commits them in batches (one transaction per batch, WAL,
// synchronous=NORMAL, so a crashed process loses nothing committed) and prunes rows past
// the retention in small batches. Readers (sqlite3, `switchyard history`) may read the file
// at any time; WAL lets them.
//
// A killed process loses no request it answered: each was in the journal before its answer
// went out (store/history_journal.h), and Open() puts what the journal holds and SQLite lacks
// into SQLite. flush_ms is how long a row waits for the writer (on a saturated machine, as
// long as the idle-priority writer waits for a core; see writer_priority.h).
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/status.h"
#include "store/history_journal.h"
#include "store/record_codec.h"
#include "store/store.h"
#include "store/writer_priority.h"

namespace switchyard {

struct StoreOptions {
  std::string path;
  int64_t retention_days = 30;
  // Rows (requests + attempts + fallbacks) that may wait for the writer; more are dropped.
  int64_t queue_rows = 100000;
  // How long a row may wait before its batch is committed: the most a kill -9 can lose.
  int64_t flush_ms = 50;
  // A cap on the file's size (0: none). When it, or the disk, is full, rows stay queued and
  // are retried each second; only what overflows the queue is dropped (and counted).
  int64_t max_size_bytes = 0;
  // Measures how long rows have waited for the writer (null: the real clock).
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
  // Opens (creating if needed) and migrates the file. No thread runs until Start().
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
  // Loop thread: writes the records queued since the last call to the journal. Call before
  // sending the answers they stand for.
  void FlushJournal();

  void Start();
  // Commits what is queued and stops the writer. Called by the destructor too.
  void Close();

  void RecordRequest(RequestRecord&& r) override;
  void RecordBreakerTransition(BreakerTransitionRecord&& t) override;
  StoreStats Stats() const override;
  // Changes the size cap while running (the writer applies it before its next batch).
  void SetMaxSizeBytes(int64_t bytes) { max_size_bytes_ = bytes; }

 private:
  struct Batch {
    // Encoded (record_codec.h): the loop and the writer swap two of these, keeping their
    // capacity, so neither frees what the other allocated.
    std::string records;
    int64_t rows = 0;
    int64_t since_ms = 0;  // options_.clock's time: when its oldest row was queued
    int64_t last_seq = 0;  // the journal's number of its newest record
    // Empty again, keeping the buffer for the next batch unless a backlog grew it past
    // `keep_bytes`.
    void Clear(size_t keep_bytes);
  };

  static constexpr int64_t kYieldEveryUs = 100;

  explicit SqliteStore(StoreOptions options) : options_(std::move(options)) {
    if (options_.clock == nullptr) options_.clock = &real_clock_;
  }
  Status Prepare();
  // Puts what the journal holds and the file lacks into the file, and empties the journal.
  Status RecoverJournal();
  void WriterLoop();
  enum class WriteResult { kOk, kNoSpace, kFailed };
  // With `skip_existing` (a journal's records), requests and transitions already on file are
  // left out.
  WriteResult Write(Batch& batch, bool skip_existing = false);
  bool Exists(sqlite3_stmt* query, const RecordView& v);
  bool InsertRequest(const RequestView& r);
  bool InsertTransition(const TransitionView& t);
  // Puts a batch that found no space back in front of the queue (the writer no longer holds
  // its rows), or drops it if the queue cannot hold it.
  // `batch` comes back empty, with the queue's old buffer.
  void Requeue(Batch& batch);
  void Drop(const Batch& batch, const char* why);
  void ApplyMaxSize();
  void Prune(int64_t now_wall_ms);
  void Enqueue(int64_t rows, const std::function<void(std::string*)>& encode);
  // With mu_ held: moves the writer between idle and normal priority as it falls behind and
  // catches up (a syscall, made only on a change). The writer thread never lowers its own
  // priority here: lowering it lets the kernel preempt it inside the syscall, and a writer
  // preempted while holding mu_ stalls the loop's next Enqueue behind a thread that runs only
  // when a core is idle. It gets true back instead, and calls DemoteSelf once it has let go.
  bool Reprioritize(bool on_writer);
  // On the writer, without mu_.
  void DemoteSelf();
  void LogPriorityChange(WriterPriority to, const WriterBacklog& b);
  // With mu_ held: rows queued or in a write not yet committed.
  int64_t UnwrittenRows() const { return pending_.rows + writing_rows_; }

  StoreOptions options_;
  RealClock real_clock_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_request_ = nullptr;
  sqlite3_stmt* insert_attempt_ = nullptr;
  sqlite3_stmt* insert_fallback_ = nullptr;
  sqlite3_stmt* insert_transition_ = nullptr;
  sqlite3_stmt* add_spend_ = nullptr;
  sqlite3_stmt* request_exists_ = nullptr;
  sqlite3_stmt* transition_exists_ = nullptr;
  int64_t first_request_id_ = 1;
  std::unique_ptr<HistoryJournal> journal_;
  // Loop thread only.
  std::string scratch_;    // the record being queued
  int64_t next_seq_ = 0;   // numbers the records for the journal
  // Rows given up at shutdown for lack of space: left in the journal for the next start.
  bool keep_journal_ = false;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  Batch pending_;
  bool stop_ = false;
  bool idle_allowed_ = false;     // the writer may run at idle priority (and leave it again)
  pid_t writer_tid_ = 0;          // set by the writer when it starts
  int64_t writing_rows_ = 0;      // taken from the queue by the writer, not yet committed
  int64_t writing_since_ms_ = 0;  // options_.clock's time
  bool behind_in_rows_ = false;   // the last promotion was for a filling queue (logged at info)
  WriterPriority writer_priority_ = WriterPriority::kNormal;
  // Only the writer thread's SQLite calls check it (installed in Start()).
  CoreYielder yielder_{kYieldEveryUs};
  std::thread writer_;
  bool started_ = false;

  std::atomic<int64_t> written_{0};
  std::atomic<int64_t> dropped_{0};
  std::atomic<int64_t> write_errors_{0};
  std::atomic<int64_t> yields_{0};
  std::atomic<int64_t> last_drop_log_ms_{0};
  std::atomic<int64_t> max_size_bytes_{0};
  int64_t applied_max_size_bytes_ = -1;  // writer thread only
  int64_t full_since_ms_ = 0;            // writer thread only: when writes found no space
};

}  // namespace switchyard
