#include "store/sqlite_store.h"

#include <spdlog/spdlog.h>

#include "store/history_journal.h"
#include "store/history_loader.h"
#include "store/history_tables.h"
#include "store/record_codec.h"
#include "store/write_queue.h"

namespace switchyard {

SqliteStore::SqliteStore(StoreOptions options) : options_(std::move(options)) {
  if (options_.clock == nullptr) options_.clock = &real_clock_;
}

Status SqliteStore::Open(const StoreOptions& options, std::unique_ptr<SqliteStore>* out) {
  std::unique_ptr<SqliteStore> s(new SqliteStore(options));
  SY_RETURN_IF_ERROR(HistoryTables::Open(options.path, &s->tables_));
  s->tables_->SetMaxSize(options.max_size_bytes);
  SY_RETURN_IF_ERROR(s->RecoverJournal());
  WriteQueue::Options q;
  q.queue_rows = options.queue_rows;
  q.flush_ms = options.flush_ms;
  q.retention_days = options.retention_days;
  q.fallback_answers_retention_days = options.fallback_answers_retention_days;
  q.max_size_bytes = options.max_size_bytes;
  q.clock = s->options_.clock;
  s->queue_ = std::make_unique<WriteQueue>(q, s->tables_.get(), s->journal_.get());
  *out = std::move(s);
  return Status::Ok();
}

SqliteStore::~SqliteStore() {
  Close();
  // The queue's writer uses the tables and the journal: it goes first.
  queue_.reset();
}

Status SqliteStore::RecoverJournal() {
  SY_RETURN_IF_ERROR(HistoryJournal::Open(options_.path, &journal_));
  int64_t skipped = 0;
  // One transaction for all of it: a frame per turn of the loop makes thousands of them.
  std::string held;
  SY_RETURN_IF_ERROR(journal_->Recover(
      [&held](std::string_view records) {
        held.append(records);
        return Status::Ok();
      },
      &skipped));
  HistoryTables::Written w;
  if (!held.empty()) w = tables_->Write(held, /*skip_existing=*/true);
  if (w.result != HistoryTables::Result::kOk) {
    return Status::IoError("history " + options_.path + ": cannot write what its journal holds (" +
                           w.error + "); the journal is kept");
  }
  if (w.rows > 0) {
    spdlog::warn(
        "history {}: {} row(s) of requests answered before the daemon stopped, not yet "
        "committed, recovered from its journal",
        options_.path, w.rows);
  }
  if (skipped > 0) {
    spdlog::warn("history {}: {} journal frame(s) cut short or of another format skipped",
                 options_.path, skipped);
  }
  SY_RETURN_IF_ERROR(journal_->Clear());
  // Ids of the recovered requests are taken: the next one starts past them.
  first_request_id_ = tables_->NextRequestId();
  return Status::Ok();
}

Status SqliteStore::LoadAttempts(int64_t since_wall_ms,
                                 const std::function<void(const LoadedAttempt&)>& fn) {
  return switchyard::LoadAttempts(tables_->db(), since_wall_ms, fn);
}

Status SqliteStore::LoadCalibration(
    int64_t since_wall_ms, const std::function<void(const std::string&, int64_t, int64_t)>& fn) {
  return switchyard::LoadCalibration(tables_->db(), since_wall_ms, fn);
}

Status SqliteStore::LoadSpend(int64_t day_wall_ms,
                              const std::function<void(const std::string&, double)>& fn) {
  return switchyard::LoadSpend(tables_->db(), day_wall_ms, fn);
}

Status SqliteStore::LoadBreakerTransitions(
    int64_t since_wall_ms, const std::function<void(const BreakerTransitionRecord&)>& fn) {
  return switchyard::LoadBreakerTransitions(tables_->db(), since_wall_ms, fn);
}

void SqliteStore::Start() { queue_->Start(); }

void SqliteStore::Close() {
  if (closed_ || !queue_) return;  // never opened fully
  closed_ = true;
  bool gave_up = queue_->Close();
  // Everything queued is committed, or counted as lost: the journal has no more to keep,
  // unless the disk was full to the end; then the next start tries again.
  if (!gave_up) (void)journal_->Clear();
}

void SqliteStore::FlushJournal() { journal_->Flush(); }

void SqliteStore::TidyJournal() { journal_->EmptyCommitted(); }

void SqliteStore::SetMaxSizeBytes(int64_t bytes) { queue_->SetMaxSizeBytes(bytes); }

void SqliteStore::Enqueue(int64_t rows) {
  // Encoded once: the journal keeps the bytes until the answer is sent, the queue until the
  // writer commits them.
  int64_t seq = ++next_seq_;
  journal_->Append(scratch_, seq);
  queue_->Enqueue(scratch_, rows, seq);
}

void SqliteStore::RecordRequest(RequestRecord&& r) {
  scratch_.clear();
  EncodeRequest(r, &scratch_);
  Enqueue(1 + static_cast<int64_t>(r.attempts.size() + r.fallbacks.size()));
}

void SqliteStore::RecordBreakerTransition(BreakerTransitionRecord&& t) {
  scratch_.clear();
  EncodeTransition(t, &scratch_);
  Enqueue(1);
}

void SqliteStore::RecordProbe(int64_t request_id, const std::string& route, const std::string& task,
                              AttemptRecord&& a) {
  scratch_.clear();
  EncodeProbe(request_id, route, task, a, &scratch_);
  Enqueue(1);
}

void SqliteStore::RecordFallbackAnswer(FallbackAnswerRecord&& a) {
  scratch_.clear();
  EncodeAnswer(a, &scratch_);
  Enqueue(1);
}

StoreStats SqliteStore::Stats() const { return queue_->Stats(); }

}  // namespace switchyard
