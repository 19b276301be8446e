#include "store/sqlite_store.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <map>

#include "store/migrations.h"
#include "store/record_codec.h"

namespace switchyard {
namespace {

constexpr int64_t kBatchRows = 4096;  // wake the writer early past this many
constexpr int64_t kPruneEveryMs = 60000;
constexpr int kPruneChunk = 2000;  // rows per delete: keeps each write lock short
// A batch buffer is kept for the next batch up to this size (a request's rows encode to a
// couple of hundred bytes): past it, after a backlog, it is freed rather than held for good.
constexpr size_t kKeepBufferBytes = size_t{8} << 20;

int64_t WallMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void BindText(sqlite3_stmt* st, int i, std::string_view s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
}

void BindTextOrNull(sqlite3_stmt* st, int i, std::string_view s) {
  if (s.empty()) {
    sqlite3_bind_null(st, i);
  } else {
    BindText(st, i, s);
  }
}

bool Step(sqlite3_stmt* st) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE;
}

int64_t RowsOf(const RequestRecord& r) {
  return 1 + static_cast<int64_t>(r.attempts.size() + r.fallbacks.size());
}

}  // namespace

Status SqliteStore::Open(const StoreOptions& options, std::unique_ptr<SqliteStore>* out) {
  // Debian's SQLite has no lookaside allocator, so every small allocation is a malloc, and by
  // default each also updates global counters under a mutex, for sqlite3_memory_used(), which
  // nothing here reads. Only before the library initialises: later it refuses, harmlessly.
  static std::once_flag no_memstatus;
  std::call_once(no_memstatus, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  std::unique_ptr<SqliteStore> s(new SqliteStore(options));
  int rc =
      sqlite3_open_v2(options.path.c_str(), &s->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string err = s->db_ ? sqlite3_errmsg(s->db_) : sqlite3_errstr(rc);
    return Status::IoError("cannot open history " + options.path + ": " + err);
  }
  sqlite3_busy_timeout(s->db_, 2000);
  // auto_vacuum only takes effect on a new file, before its first table.
  const char* pragmas =
      "PRAGMA auto_vacuum = INCREMENTAL;"
      "PRAGMA journal_mode = WAL;"
      "PRAGMA synchronous = NORMAL;"
      "PRAGMA journal_size_limit = 67108864;";
  char* err = nullptr;
  if (sqlite3_exec(s->db_, pragmas, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Corruption("history " + options.path +
                              " is not a usable SQLite database: " + msg);
  }
  Status st = Migrate(s->db_);
  if (!st.ok()) {
    std::string msg = "history " + options.path + ": " + st.message();
    return st.code() == Status::Code::kInvalidArgument ? Status::InvalidArgument(msg)
                                                       : Status::Corruption(msg);
  }
  SY_RETURN_IF_ERROR(s->Prepare());
  s->max_size_bytes_ = options.max_size_bytes;
  s->ApplyMaxSize();
  SY_RETURN_IF_ERROR(s->RecoverJournal());
  *out = std::move(s);
  return Status::Ok();
}

Status SqliteStore::RecoverJournal() {
  SY_RETURN_IF_ERROR(HistoryJournal::Open(options_.path, &journal_));
  int64_t before = written_.load();
  int64_t skipped = 0;
  // One transaction for all of it: a frame per turn of the loop makes thousands of them.
  Batch held;
  SY_RETURN_IF_ERROR(journal_->Recover(
      [&held](std::string_view records) {
        held.records.append(records);
        return Status::Ok();
      },
      &skipped));
  if (!held.records.empty() && Write(held, /*skip_existing=*/true) != WriteResult::kOk) {
    return Status::IoError("history " + options_.path +
                           ": cannot write what its journal holds; the journal is kept");
  }
  int64_t recovered = written_.load() - before;
  if (recovered > 0) {
    spdlog::warn("history {}: {} row(s) of requests answered before the daemon stopped, not yet "
                 "committed, recovered from its journal",
                 options_.path, recovered);
  }
  if (skipped > 0) {
    spdlog::warn("history {}: {} journal frame(s) cut short or of another format skipped",
                 options_.path, skipped);
  }
  written_ = before;
  SY_RETURN_IF_ERROR(journal_->Clear());
  // Ids of the recovered requests are taken: the next one starts past them.
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT COALESCE(MAX(id), 0) + 1 FROM requests", -1, &st,
                         nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    first_request_id_ = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return Status::Ok();
}

Status SqliteStore::Prepare() {
  auto prep = [this](const char* sql, sqlite3_stmt** st) {
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, st, nullptr) != SQLITE_OK) {
      return Status::Corruption(std::string("history: ") + sqlite3_errmsg(db_));
    }
    return Status::Ok();
  };
  SY_RETURN_IF_ERROR(prep(
      "INSERT INTO requests (id, ts_ms, route, task, served_by, outcome, latency_ms, attempts, "
      "cost_usd, input_tokens, output_tokens, truncated, error, skipped) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
      &insert_request_));
  SY_RETURN_IF_ERROR(prep(
      "INSERT INTO attempts (request_id, seq, ts_ms, model, task, latency_ms, outcome, reason, "
      "http_status, input_tokens, output_tokens, cost_usd, timeout_ms, stream, ttft_ms, truncated, "
      "tokens_before, tokens_after, est_tokens, called) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
      "?19, ?20)",
      &insert_attempt_));
  SY_RETURN_IF_ERROR(
      prep("INSERT INTO fallbacks (request_id, ts_ms, from_model, to_model, reason, detail) "
           "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
           &insert_fallback_));
  SY_RETURN_IF_ERROR(prep(
      "INSERT INTO breaker_transitions (ts_ms, model, from_state, to_state, reason, open_until_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      &insert_transition_));
  SY_RETURN_IF_ERROR(
      prep("INSERT INTO spend_by_route_day (route, day, cost_usd) VALUES (?1, ?2, ?3) "
           "ON CONFLICT (route, day) DO UPDATE SET cost_usd = cost_usd + excluded.cost_usd",
           &add_spend_));
  SY_RETURN_IF_ERROR(prep("SELECT 1 FROM requests WHERE id = ?1", &request_exists_));
  SY_RETURN_IF_ERROR(
      prep("SELECT 1 FROM breaker_transitions WHERE ts_ms = ?1 AND model = ?2 AND to_state = ?3",
           &transition_exists_));
  sqlite3_stmt* st = nullptr;
  SY_RETURN_IF_ERROR(prep("SELECT COALESCE(MAX(id), 0) + 1 FROM requests", &st));
  if (sqlite3_step(st) == SQLITE_ROW) first_request_id_ = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return Status::Ok();
}

SqliteStore::~SqliteStore() {
  Close();
  for (sqlite3_stmt* st : {insert_request_, insert_attempt_, insert_fallback_, insert_transition_,
                           add_spend_, request_exists_, transition_exists_}) {
    sqlite3_finalize(st);
  }
  sqlite3_close(db_);
}

Status SqliteStore::LoadAttempts(int64_t since_wall_ms,
                                 const std::function<void(const LoadedAttempt&)>& fn) {
  sqlite3_stmt* st = nullptr;
  // Attempts run at most an hour, so starts an hour before `since` cover every end after it.
  // Answers and timeouts are latency samples; for streams the sample is the time to the
  // first text, censored when none came before the call timed out.
  const char* sql =
      "SELECT ts_ms + latency_ms, model, task, COALESCE(ttft_ms, latency_ms), "
      "outcome = 'timeout' AND ttft_ms IS NULL, stream FROM attempts "
      "WHERE ts_ms >= ?1 - 3600000 AND (outcome IN ('ok', 'timeout') OR ttft_ms IS NOT NULL) "
      "ORDER BY ts_ms";
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) {
    return Status::Corruption(std::string("history: ") + sqlite3_errmsg(db_));
  }
  sqlite3_bind_int64(st, 1, since_wall_ms);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    LoadedAttempt a;
    a.end_ms = sqlite3_column_int64(st, 0);
    if (a.end_ms < since_wall_ms) continue;
    a.model = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    a.task = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
    a.latency_ms = sqlite3_column_int64(st, 3);
    a.censored = sqlite3_column_int(st, 4) != 0;
    a.first_token = sqlite3_column_int(st, 5) != 0;
    fn(a);
  }
  std::string err = sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Status::Corruption("history: reading attempts: " + err);
  return Status::Ok();
}

Status SqliteStore::LoadCalibration(
    int64_t since_wall_ms, const std::function<void(const std::string&, int64_t, int64_t)>& fn) {
  sqlite3_stmt* st = nullptr;
  // Only answers: a cancelled or timed-out call's input tokens are our own estimate. The
  // newest 20,000 attempts are plenty to calibrate on and cost a bounded read at start,
  // whatever the history holds.
  const char* sql =
      "SELECT model, SUM(est_tokens), SUM(input_tokens) FROM "
      "(SELECT model, est_tokens, input_tokens, outcome FROM attempts WHERE ts_ms >= ?1 "
      "ORDER BY ts_ms DESC LIMIT 20000) "
      "WHERE outcome = 'ok' AND est_tokens > 0 AND input_tokens > 0 GROUP BY model";
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) {
    return Status::Corruption(std::string("history: ") + sqlite3_errmsg(db_));
  }
  sqlite3_bind_int64(st, 1, since_wall_ms);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    fn(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), sqlite3_column_int64(st, 1),
       sqlite3_column_int64(st, 2));
  }
  std::string err = sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Status::Corruption("history: reading calibration: " + err);
  return Status::Ok();
}

Status SqliteStore::LoadSpend(int64_t since_wall_ms,
                              const std::function<void(const std::string&, double)>& fn) {
  sqlite3_stmt* st = nullptr;
  const char* sql = "SELECT route, cost_usd FROM spend_by_route_day WHERE day = ?1 / 86400000";
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) {
    return Status::Corruption(std::string("history: ") + sqlite3_errmsg(db_));
  }
  sqlite3_bind_int64(st, 1, since_wall_ms);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    fn(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), sqlite3_column_double(st, 1));
  }
  std::string err = sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Status::Corruption("history: reading spend: " + err);
  return Status::Ok();
}

Status SqliteStore::LoadBreakerTransitions(
    int64_t since_wall_ms, const std::function<void(const BreakerTransitionRecord&)>& fn) {
  sqlite3_stmt* st = nullptr;
  const char* sql =
      "SELECT ts_ms, model, from_state, to_state, reason, COALESCE(open_until_ms, 0) "
      "FROM breaker_transitions WHERE ts_ms >= ?1 ORDER BY ts_ms";
  if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) {
    return Status::Corruption(std::string("history: ") + sqlite3_errmsg(db_));
  }
  sqlite3_bind_int64(st, 1, since_wall_ms);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    BreakerTransitionRecord t;
    t.ts_ms = sqlite3_column_int64(st, 0);
    t.model = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    t.from_state = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
    t.to_state = reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
    t.reason = reinterpret_cast<const char*>(sqlite3_column_text(st, 4));
    t.open_until_ms = sqlite3_column_int64(st, 5);
    fn(t);
  }
  std::string err = sqlite3_errmsg(db_);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Status::Corruption("history: reading breaker transitions: " + err);
  return Status::Ok();
}

void SqliteStore::Start() {
  if (started_) return;
  started_ = true;
  idle_allowed_ = CanLeaveIdlePriority();
  if (!idle_allowed_) {
    spdlog::info(
        "history: the writer runs at nice +10; idle priority needs CAP_SYS_NICE or "
        "RLIMIT_NICE allowing +10 (LimitNICE=+10 in the systemd unit)");
  }
  // Every 500 of SQLite's VM instructions. The Load* reads, before Start, run without it: no
  // other thread wants a core then.
  sqlite3_progress_handler(
      db_, 500,
      [](void* p) {
        auto* self = static_cast<SqliteStore*>(p);
        if (self->yielder_.Check()) self->yields_.fetch_add(1, std::memory_order_relaxed);
        return 0;  // non-zero would interrupt the statement
      },
      this);
  writer_ = std::thread([this] { WriterLoop(); });
}

void SqliteStore::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
    Reprioritize(false);  // what is left is flushed at normal priority
  }
  cv_.notify_one();
  if (writer_.joinable()) {
    writer_.join();
  } else if (pending_.rows > 0 && Write(pending_) == WriteResult::kNoSpace) {
    Drop(pending_, "no space left at shutdown");  // never started: committed what it could
    keep_journal_ = true;
  }
  // Everything queued is committed, or counted as lost: the journal has no more to keep,
  // unless the disk was full to the end; then the next start tries again.
  if (journal_ && !keep_journal_) (void)journal_->Clear();
}

void SqliteStore::FlushJournal() {
  if (journal_) journal_->Flush();
}

void SqliteStore::Batch::Clear(size_t keep_bytes) {
  if (records.capacity() > keep_bytes) {
    std::string().swap(records);
  } else {
    records.clear();
  }
  rows = 0;
}

void SqliteStore::Enqueue(int64_t rows, const std::function<void(std::string*)>& encode) {
  bool wake = false;
  // Encoded once, outside the lock: the journal keeps the bytes until the answer is sent,
  // the queue until the writer commits them.
  scratch_.clear();
  encode(&scratch_);
  int64_t seq = ++next_seq_;
  if (journal_) journal_->Append(scratch_, seq);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stop_ && pending_.rows + rows <= options_.queue_rows) {
      if (pending_.rows == 0) pending_.since_ms = options_.clock->NowMs();
      pending_.records.append(scratch_);
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
  int64_t now = WallMs();
  int64_t last = last_drop_log_ms_.load();
  if (now - last >= 10000 && last_drop_log_ms_.compare_exchange_strong(last, now)) {
    spdlog::warn("history queue full ({} rows): dropped {} row(s) so far", options_.queue_rows,
                 total);
  }
}

void SqliteStore::RecordRequest(RequestRecord&& r) {
  int64_t rows = RowsOf(r);
  Enqueue(rows, [&r](std::string* out) { EncodeRequest(r, out); });
}

void SqliteStore::RecordBreakerTransition(BreakerTransitionRecord&& t) {
  Enqueue(1, [&t](std::string* out) { EncodeTransition(t, out); });
}

StoreStats SqliteStore::Stats() const {
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

bool SqliteStore::Reprioritize(bool on_writer) {
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

void SqliteStore::DemoteSelf() {
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

void SqliteStore::LogPriorityChange(WriterPriority to, const WriterBacklog& b) {
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

void SqliteStore::WriterLoop() {
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
  int64_t last_prune = WallMs();
  Prune(last_prune);
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
    WriteResult result = batch.rows > 0 ? Write(batch) : WriteResult::kOk;
    if (result == WriteResult::kNoSpace) {
      if (stopping) {
        Drop(batch, "no space left at shutdown (kept in the journal for the next start)");
        keep_journal_ = true;
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
    int64_t now = WallMs();
    if (!stopping && now - last_prune >= kPruneEveryMs) {
      Prune(now);
      last_prune = now;
    }
    if (stopping) break;
  }
}

void SqliteStore::ApplyMaxSize() {
  int64_t want = max_size_bytes_.load();
  if (want == applied_max_size_bytes_) return;
  applied_max_size_bytes_ = want;
  // max_page_count never goes below what the file already holds; "unlimited" is SQLite's own
  // ceiling.
  int64_t pages = want > 0 ? std::max<int64_t>(1, want / 4096) : 4294967294LL;
  std::string sql = "PRAGMA max_page_count = " + std::to_string(pages);
  sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
}

void SqliteStore::Requeue(Batch& batch) {
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

void SqliteStore::Drop(const Batch& batch, const char* why) {
  int64_t total = dropped_.fetch_add(batch.rows) + batch.rows;
  spdlog::error("history: {}: lost {} row(s), {} in all", why, batch.rows, total);
}

bool SqliteStore::InsertRequest(const RequestView& r) {
  int64_t calls = 0;
  for (const AttemptView& a : r.attempts) calls += a.called ? 1 : 0;
  sqlite3_stmt* q = insert_request_;
  sqlite3_bind_int64(q, 1, r.id);
  sqlite3_bind_int64(q, 2, r.ts_ms);
  BindText(q, 3, r.route);
  BindText(q, 4, r.task);
  BindTextOrNull(q, 5, r.served_by);
  BindText(q, 6, r.outcome);
  sqlite3_bind_int64(q, 7, r.latency_ms);
  sqlite3_bind_int64(q, 8, calls);
  sqlite3_bind_double(q, 9, r.cost_usd);
  sqlite3_bind_int64(q, 10, r.input_tokens);
  sqlite3_bind_int64(q, 11, r.output_tokens);
  sqlite3_bind_int(q, 12, r.truncated ? 1 : 0);
  BindTextOrNull(q, 13, r.error);
  sqlite3_bind_int64(q, 14, static_cast<int64_t>(r.attempts.size()) - calls);
  bool ok = Step(q);
  for (size_t i = 0; ok && i < r.attempts.size(); ++i) {
    const AttemptView& a = r.attempts[i];
    sqlite3_stmt* s = insert_attempt_;
    sqlite3_bind_int64(s, 1, r.id);
    sqlite3_bind_int64(s, 2, static_cast<int64_t>(i));
    sqlite3_bind_int64(s, 3, a.ts_ms);
    BindText(s, 4, a.model);
    BindText(s, 5, r.task);
    sqlite3_bind_int64(s, 6, a.latency_ms);
    BindText(s, 7, a.outcome);
    BindTextOrNull(s, 8, a.reason);
    sqlite3_bind_int64(s, 9, a.http_status);
    sqlite3_bind_int64(s, 10, a.input_tokens);
    sqlite3_bind_int64(s, 11, a.output_tokens);
    sqlite3_bind_double(s, 12, a.cost_usd);
    sqlite3_bind_int64(s, 13, a.timeout_ms);
    sqlite3_bind_int(s, 14, a.stream ? 1 : 0);
    if (a.ttft_ms >= 0) {
      sqlite3_bind_int64(s, 15, a.ttft_ms);
    } else {
      sqlite3_bind_null(s, 15);
    }
    sqlite3_bind_int(s, 16, a.truncated ? 1 : 0);
    sqlite3_bind_int64(s, 17, a.tokens_before);
    sqlite3_bind_int64(s, 18, a.tokens_after);
    sqlite3_bind_int64(s, 19, a.est_tokens);
    sqlite3_bind_int(s, 20, a.called ? 1 : 0);
    ok = Step(s);
  }
  for (size_t i = 0; ok && i < r.fallbacks.size(); ++i) {
    const FallbackView& fb = r.fallbacks[i];
    sqlite3_stmt* f = insert_fallback_;
    sqlite3_bind_int64(f, 1, r.id);
    sqlite3_bind_int64(f, 2, fb.ts_ms);
    BindText(f, 3, fb.from_model);
    BindText(f, 4, fb.to_model);
    BindText(f, 5, fb.reason);
    BindTextOrNull(f, 6, fb.detail);
    ok = Step(f);
  }
  return ok;
}

bool SqliteStore::Exists(sqlite3_stmt* query, const RecordView& v) {
  if (v.kind == RecordView::Kind::kRequest) {
    sqlite3_bind_int64(query, 1, v.request.id);
  } else {
    sqlite3_bind_int64(query, 1, v.transition.ts_ms);
    BindText(query, 2, v.transition.model);
    BindText(query, 3, v.transition.to_state);
  }
  bool found = sqlite3_step(query) == SQLITE_ROW;
  sqlite3_reset(query);
  return found;
}

bool SqliteStore::InsertTransition(const TransitionView& t) {
  sqlite3_stmt* s = insert_transition_;
  sqlite3_bind_int64(s, 1, t.ts_ms);
  BindText(s, 2, t.model);
  BindText(s, 3, t.from_state);
  BindText(s, 4, t.to_state);
  BindText(s, 5, t.reason);
  if (t.open_until_ms > 0) {
    sqlite3_bind_int64(s, 6, t.open_until_ms);
  } else {
    sqlite3_bind_null(s, 6);
  }
  return Step(s);
}

SqliteStore::WriteResult SqliteStore::Write(Batch& batch, bool skip_existing) {
  bool ok = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  // One spend row per route and day per batch, not per request.
  std::map<std::pair<std::string_view, int64_t>, double> spend;
  RecordReader reader(batch.records);
  RecordView v;
  int64_t rows = 0;
  while (ok && reader.Next(&v)) {
    if (v.kind == RecordView::Kind::kRequest) {
      if (skip_existing && Exists(request_exists_, v)) continue;
      ok = InsertRequest(v.request);
      rows += 1 + static_cast<int64_t>(v.request.attempts.size() + v.request.fallbacks.size());
      if (v.request.cost_usd > 0)
        spend[{v.request.route, v.request.ts_ms / 86400000}] += v.request.cost_usd;
    } else {
      if (skip_existing && Exists(transition_exists_, v)) continue;
      ok = InsertTransition(v.transition);
      ++rows;
    }
  }
  if (reader.broken()) {
    // Only a bug could get here; the rows already bound would commit without the rest.
    spdlog::error("history: a queued batch of {} bytes is unreadable", batch.records.size());
    ok = false;
  }
  for (const auto& [key, usd] : spend) {
    if (!ok) break;
    BindText(add_spend_, 1, key.first);
    sqlite3_bind_int64(add_spend_, 2, key.second);
    sqlite3_bind_double(add_spend_, 3, usd);
    ok = Step(add_spend_);
  }
  if (ok) ok = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
  if (ok) {
    written_ += rows;
    if (full_since_ms_ != 0) {
      spdlog::warn("history: writing again after {} ms without space; {} row(s) kept",
                   WallMs() - full_since_ms_, batch.rows);
      full_since_ms_ = 0;
    }
    return WriteResult::kOk;
  }
  int code = sqlite3_errcode(db_);
  std::string err = sqlite3_errmsg(db_);
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  ++write_errors_;
  if (code == SQLITE_FULL) {
    // A full disk (or history.max_size_mb) is an operator's problem that passes: keep the rows
    // queued, within the queue's bound, and try again.
    if (full_since_ms_ == 0) {
      full_since_ms_ = WallMs();
      spdlog::error(
          "history: no space to write ({}); keeping {} row(s) queued and retrying "
          "every second (the queue holds {} rows; more are dropped and counted)",
          err, batch.rows, options_.queue_rows);
    }
    return WriteResult::kNoSpace;
  }
  Drop(batch, ("write failed (" + err + ")").c_str());
  return WriteResult::kFailed;
}

void SqliteStore::Prune(int64_t now_wall_ms) {
  int64_t cutoff = now_wall_ms - options_.retention_days * 86400000;
  int64_t deleted = 0;
  for (const char* table : {"attempts", "fallbacks", "requests", "breaker_transitions"}) {
    std::string sql = std::string("DELETE FROM ") + table + " WHERE rowid IN (SELECT rowid FROM " +
                      table + " WHERE ts_ms < ?1 LIMIT " + std::to_string(kPruneChunk) + ")";
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) continue;
    for (;;) {
      sqlite3_bind_int64(st, 1, cutoff);
      int rc = sqlite3_step(st);
      sqlite3_reset(st);
      int n = sqlite3_changes(db_);
      if (rc != SQLITE_DONE || n == 0) break;
      deleted += n;
    }
    sqlite3_finalize(st);
  }
  if (deleted > 0) {
    sqlite3_exec(db_, "PRAGMA incremental_vacuum(2000)", nullptr, nullptr, nullptr);
    spdlog::info("history: pruned {} row(s) older than {} days", deleted, options_.retention_days);
  }
  // PASSIVE never waits for readers: it copies what it can and lets a reader keep its snapshot.
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

}  // namespace switchyard
