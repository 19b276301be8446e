// The history's write queue. The event loop hands over encoded records (store/record_codec.h)
// and never waits on disk; one writer thread takes them in batches, every flush_ms or sooner
// when many are waiting, and commits each batch through HistoryTables. The queue is bounded:
// past queue_rows, records are dropped and counted, never silently. A full disk keeps them
// queued (within the bound) and retries each second. The writer prunes rows past retention
// once a minute.
//
// The writer takes only CPU nobody else wants while it keeps up, and normal priority once it
// falls behind (store/writer_priority.h); it yields its core every 100 us of work. What the
// loop queues is also in the journal (store/history_journal.h) until the writer says it is
// committed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "base/clock.h"
#include "store/store.h"
#include "store/writer_priority.h"

namespace switchyard {

class HistoryTables;
class HistoryJournal;

class WriteQueue {
 public:
  struct Options {
    int64_t queue_rows = 100000;
    int64_t flush_ms = 50;
    int64_t retention_days = 30;
    int64_t fallback_answers_retention_days = 7;
    int64_t max_size_bytes = 0;  // applied by HistoryTables already at open
    const Clock* clock = nullptr;
  };
  // `tables` and `journal` (which may be null) must outlive the queue.
  WriteQueue(const Options& options, HistoryTables* tables, HistoryJournal* journal)
      : options_(options),
        tables_(tables),
        journal_(journal),
        max_size_bytes_(options.max_size_bytes),
        applied_max_size_bytes_(options.max_size_bytes) {}
  ~WriteQueue() { Close(); }
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // Starts the writer thread.
  void Start();
  // Commits what is queued and stops the writer. Returns whether rows were given up at the
  // end for lack of space (then the journal should keep them for the next start).
  bool Close();

  // Loop thread: `records` encode `rows` rows; `seq` is the journal's number of the last one.
  void Enqueue(std::string_view records, int64_t rows, int64_t seq);
  StoreStats Stats() const;
  // Takes effect before the writer's next batch.
  void SetMaxSizeBytes(int64_t bytes) { max_size_bytes_ = bytes; }

 private:
  struct Batch {
    // The loop and the writer swap two of these, keeping their capacity, so neither frees
    // what the other allocated.
    std::string records;
    int64_t rows = 0;
    int64_t since_ms = 0;  // options_.clock's time: when its oldest row was queued
    int64_t last_seq = 0;  // the journal's number of its newest record
    // Empty again, keeping the buffer unless a backlog grew it past `keep_bytes`.
    void Clear(size_t keep_bytes);
  };
  enum class Result { kOk, kNoSpace, kFailed };

  static constexpr int64_t kYieldEveryUs = 100;

  void WriterLoop();
  // Writes `batch`, counting and logging what happened; a failed batch is dropped.
  Result Commit(Batch& batch);
  // Puts a batch that found no space back in front of the queue (the writer no longer holds
  // its rows), or drops it if the queue cannot hold it. `batch` comes back empty.
  void Requeue(Batch& batch);
  void Drop(const Batch& batch, const char* why);
  void ApplyMaxSize();
  void Prune();
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
  static int OnProgress(void* self);

  Options options_;
  HistoryTables* tables_;
  HistoryJournal* journal_;

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
  bool gave_up_at_close_ = false;

  std::atomic<int64_t> written_{0};
  std::atomic<int64_t> dropped_{0};
  std::atomic<int64_t> write_errors_{0};
  std::atomic<int64_t> yields_{0};
  std::atomic<int64_t> last_drop_log_ms_{0};
  std::atomic<int64_t> max_size_bytes_;
  int64_t applied_max_size_bytes_;  // writer thread only
  int64_t full_since_ms_ = 0;       // writer thread only: when writes found no space
  int64_t last_prune_ms_ = 0;       // writer thread only
};

}  // namespace switchyard
