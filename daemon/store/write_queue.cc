#include "store/write_queue.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "store/history_journal.h"
#include "store/history_tables.h"

namespace switchyard {
namespace {

constexpr int64_t kBatchRows = 4096;  // wake the writer early past this many
constexpr int64_t kPruneEveryMs = 60000;
// A batch buffer is kept for the next batch up to this size (a request's rows encode to a
// couple of hundred bytes): past it, after a backlog, it is freed rather than held for good.
constexpr size_t kKeepBufferBytes = size_t{8} << 20;

}  // namespace

void WriteQueue::Batch::Clear(size_t keep_bytes) {
  if (records.capacity() > keep_bytes) {
    std::string().swap(records);
  } else {
    records.clear();
  }
  rows = 0;
}

int WriteQueue::OnProgress(void* p) {
  auto* self = static_cast<WriteQueue*>(p);
  if (self->yielder_.Check()) self->yields_.fetch_add(1, std::memory_order_relaxed);
  return 0;  // non-zero would interrupt the statement
}

void WriteQueue::Start() {
  if (started_) return;
  started_ = true;
  idle_allowed_ = CanLeaveIdlePriority();
  if (!idle_allowed_) {
    spdlog::info(
        "history: the writer runs at nice +10; idle priority needs CAP_SYS_NICE or "
        "RLIMIT_NICE allowing +10 (LimitNICE=+10 in the systemd unit)");
  }
  // The reads at start, before this, run without it: no other thread wants a core then.
  tables_->SetProgressHandler(&WriteQueue::OnProgress, this);
  writer_ = std::thread([this] { WriterLoop(); });
}

bool WriteQueue::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return gave_up_at_close_;
    stop_ = true;
    Reprioritize(false);  // what is left is flushed at normal priority
  }
  cv_.notify_one();
  if (writer_.joinable()) {
    writer_.join();
  } else if (pending_.rows > 0 && Commit(pending_) == Result::kNoSpace) {
    Drop(pending_, "no space left at shutdown");  // never started: committed what it could
    gave_up_at_close_ = true;
  }
  return gave_up_at_close_;
}

void WriteQueue::Enqueue(std::string_view records, int64_t rows, int64_t seq) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stop_ && pending_.rows + rows <= options_.queue_rows) {
      if (pending_.rows == 0) pending_.since_ms = options_.clock->NowMs();
      pending_.records.append(records);
      pending_.last_seq = seq;
      pending_.rows += rows;
      wake = pending_.rows >= kBatchRows;
      rows = 0;
      // The loop promotes the writer itself: an idle writer on a busy machine might not
      // get the CPU to notice that it is behind.
      Reprioritize(false);
    }
  }
  if (wake) cv_.notify_one();
  if (rows == 0) return;
  int64_t total = dropped_.fetch_add(rows) + rows;
  // One line per ten seconds at most: a full queue under load must not also flood the log.
  int64_t now = options_.clock->WallMs();
  int64_t last = last_drop_log_ms_.load();
  if (now - last >= 10000 && last_drop_log_ms_.compare_exchange_strong(last, now)) {
    spdlog::warn("history queue full ({} rows): dropped {} row(s) so far", options_.queue_rows,
                 total);
  }
}

StoreStats WriteQueue::Stats() const {
  StoreStats s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // The batch in the writer's hands counts: between a failed write and its requeue the rows
    // are in neither place, and a caller must never read that as "all written".
    s.queued_rows = UnwrittenRows();
    s.writer_idle = writer_tid_ != 0 && writer_priority_ == WriterPriority::kIdle;
  }
  s.written_rows = written_.load();
  s.dropped_rows = dropped_.load();
  s.write_errors = write_errors_.load();
  s.writer_yields = yields_.load(std::memory_order_relaxed);
  return s;
}

bool WriteQueue::Reprioritize(bool on_writer) {
  if (!idle_allowed_ || writer_tid_ == 0) return false;
  WriterBacklog b;
  b.rows = UnwrittenRows();
  b.capacity = options_.queue_rows;
  // Rows in the writer's hands are older than any still queued.
  int64_t since = writing_rows_ > 0 ? writing_since_ms_ : pending_.since_ms;
  b.oldest_wait_ms = b.rows > 0 ? options_.clock->NowMs() - since : 0;
  b.flush_ms = options_.flush_ms;
  WriterPriority want = stop_ ? WriterPriority::kNormal : NextWriterPriority(writer_priority_, b);
  if (want == writer_priority_) return false;
  if (on_writer && want == WriterPriority::kIdle) return true;
  if (!SetWriterPriority(writer_tid_, want)) {
    // The start-up probe said this works; if the OS changed its mind, stop asking.
    spdlog::warn("history: could not change the writer's CPU priority; it stays as it is");
    idle_allowed_ = false;
    return false;
  }
  writer_priority_ = want;
  if (!stop_) LogPriorityChange(want, b);
  return false;
}

void WriteQueue::DemoteSelf() {
  // Between the decision and this call the loop saw the writer still at normal priority, so
  // it promoted nothing; what it queued meanwhile is looked at again below.
  bool ok = SetWriterPriority(writer_tid_, WriterPriority::kIdle);
  std::lock_guard<std::mutex> lock(mu_);
  if (!ok) {
    spdlog::warn("history: could not change the writer's CPU priority; it stays as it is");
    idle_allowed_ = false;
    return;
  }
  if (writer_priority_ != WriterPriority::kIdle) {  // the loop may have lowered it meanwhile
    writer_priority_ = WriterPriority::kIdle;
    LogPriorityChange(WriterPriority::kIdle, WriterBacklog{});
  }
  Reprioritize(true);  // idle now: only a promotion can follow, and the writer may make that
}

void WriteQueue::LogPriorityChange(WriterPriority to, const WriterBacklog& b) {
  // A queue filling up is news; a writer late by a flush interval on a busy machine is
  // routine, and would log a pair of lines every few batches.
  if (to == WriterPriority::kNormal) {
    behind_in_rows_ = b.rows * 4 >= b.capacity;
    auto level = behind_in_rows_ ? spdlog::level::info : spdlog::level::debug;
    spdlog::log(level,
                "history: writer behind ({} rows queued, oldest waited {} ms): running "
                "at normal priority",
                b.rows, b.oldest_wait_ms);
  } else {
    spdlog::log(behind_in_rows_ ? spdlog::level::info : spdlog::level::debug,
                "history: writer caught up: back to idle priority");
    behind_in_rows_ = false;
  }
}

void WriteQueue::WriterLoop() {
  pid_t tid = CurrentThreadId();
  // No other thread changes idle_allowed_ before it sees writer_tid_, set below.
  WriterPriority start = idle_allowed_ ? WriterPriority::kIdle : WriterPriority::kNormal;
  (void)SetWriterPriority(tid, start);  // outside mu_, as every lowering by the writer
  {
    std::lock_guard<std::mutex> lock(mu_);
    writer_tid_ = tid;
    writer_priority_ = start;
  }
  // A first prune at start: a daemon that was down for days comes back within retention.
  Prune();
  Batch batch;  // empty between writes; it and pending_ trade buffers
  for (;;) {
    bool stopping;
    bool demote;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(options_.flush_ms),
                   [this] { return stop_ || pending_.rows >= kBatchRows; });
      // With no traffic the loop does not look; a writer that woke late promotes itself
      // before it starts on the rows.
      demote = Reprioritize(true);
      std::swap(batch, pending_);
      stopping = stop_;
      writing_rows_ = batch.rows;
      writing_since_ms_ = batch.since_ms;
    }
    if (demote) DemoteSelf();
    ApplyMaxSize();
    Result result = batch.rows > 0 ? Commit(batch) : Result::kOk;
    if (result == Result::kNoSpace) {
      if (stopping) {
        Drop(batch, "no space left at shutdown (kept in the journal for the next start)");
        gave_up_at_close_ = true;
        break;
      }
      Requeue(batch);
      // Space comes back when an operator frees it: try again each second, not in a loop.
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
      continue;
    }
    // Committed, or lost for good (counted): the journal may let go of it either way.
    if (batch.rows > 0 && journal_) journal_->Committed(batch.last_seq);
    batch.Clear(kKeepBufferBytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      writing_rows_ = 0;
      demote = Reprioritize(true);
    }
    if (demote) DemoteSelf();
    if (!stopping && options_.clock->WallMs() - last_prune_ms_ >= kPruneEveryMs) Prune();
    if (stopping) break;
  }
}

WriteQueue::Result WriteQueue::Commit(Batch& batch) {
  HistoryTables::Written w = tables_->Write(batch.records);
  if (w.result == HistoryTables::Result::kOk) {
    written_ += w.rows;
    if (full_since_ms_ != 0) {
      spdlog::warn("history: writing again after {} ms without space; {} row(s) kept",
                   options_.clock->WallMs() - full_since_ms_, batch.rows);
      full_since_ms_ = 0;
    }
    return Result::kOk;
  }
  ++write_errors_;
  if (w.result == HistoryTables::Result::kNoSpace) {
    // A full disk (or history.max_size_mb) is an operator's problem that passes: keep the rows
    // queued, within the queue's bound, and try again.
    if (full_since_ms_ == 0) {
      full_since_ms_ = options_.clock->WallMs();
      spdlog::error(
          "history: no space to write ({}); keeping {} row(s) queued and retrying "
          "every second (the queue holds {} rows; more are dropped and counted)",
          w.error, batch.rows, options_.queue_rows);
    }
    return Result::kNoSpace;
  }
  Drop(batch, ("write failed (" + w.error + ")").c_str());
  return Result::kFailed;
}

void WriteQueue::ApplyMaxSize() {
  int64_t want = max_size_bytes_.load();
  if (want == applied_max_size_bytes_) return;
  applied_max_size_bytes_ = want;
  tables_->SetMaxSize(want);
}

void WriteQueue::Prune() {
  last_prune_ms_ = options_.clock->WallMs();
  int64_t deleted =
      tables_->Prune(last_prune_ms_ - options_.retention_days * 86400000,
                     last_prune_ms_ - options_.fallback_answers_retention_days * 86400000);
  if (deleted > 0) {
    spdlog::info("history: pruned {} row(s) older than {} days ({} for fallback answers)", deleted,
                 options_.retention_days, options_.fallback_answers_retention_days);
  }
}

void WriteQueue::Requeue(Batch& batch) {
  std::unique_lock<std::mutex> lock(mu_);
  // In the same critical section as the rows' return, so the backlog the loop sees never
  // loses them on the way.
  writing_rows_ = 0;
  if (pending_.rows + batch.rows > options_.queue_rows) {
    lock.unlock();
    Drop(batch, "no space left and the queue is full");
    batch.Clear(kKeepBufferBytes);
    return;
  }
  // The older rows go first, so the history keeps its order once space is back.
  batch.records.append(pending_.records);
  batch.rows += pending_.rows;
  if (pending_.rows > 0) batch.last_seq = pending_.last_seq;
  std::swap(batch, pending_);
  batch.Clear(kKeepBufferBytes);
}

void WriteQueue::Drop(const Batch& batch, const char* why) {
  int64_t total = dropped_.fetch_add(batch.rows) + batch.rows;
  spdlog::error("history: {}: lost {} row(s), {} in all", why, batch.rows, total);
}

}  // namespace switchyard
