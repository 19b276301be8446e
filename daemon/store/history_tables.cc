#include "store/history_tables.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "store/migrations.h"

namespace switchyard {
namespace {

constexpr int kPruneChunk = 2000;  // rows per delete: keeps each write lock short

}  // namespace

Status HistoryTables::Open(const std::string& path, std::unique_ptr<HistoryTables>* out) {
  // Debian's SQLite has no lookaside allocator, so every small allocation is a malloc, and by
  // default each also updates global counters under a mutex, for sqlite3_memory_used(), which
  // nothing here reads. Only before the library initialises: later it refuses, harmlessly.
  static std::once_flag no_memstatus;
  std::call_once(no_memstatus, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  // A new file is created 0600: it may hold user text (fallback_answers), and SQLite gives
  // its -wal and -shm files the same mode. An existing file keeps the mode it was given.
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<HistoryTables> t(new HistoryTables(db));
  if (rc != SQLITE_OK) {
    std::string err = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    return Status::IoError("cannot open history " + path + ": " + err);
  }
  sqlite3_busy_timeout(db, 2000);
  // auto_vacuum only takes effect on a new file, before its first table.
  const char* pragmas =
      "PRAGMA auto_vacuum = INCREMENTAL;"
      "PRAGMA journal_mode = WAL;"
      "PRAGMA synchronous = NORMAL;"
      "PRAGMA journal_size_limit = 67108864;";
  char* err = nullptr;
  if (sqlite3_exec(db, pragmas, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::Corruption("history " + path + " is not a usable SQLite database: " + msg);
  }
  Status st = Migrate(db);
  if (!st.ok()) {
    std::string msg = "history " + path + ": " + st.message();
    return st.code() == Status::Code::kInvalidArgument ? Status::InvalidArgument(msg)
                                                       : Status::Corruption(msg);
  }
  SY_RETURN_IF_ERROR(t->Prepare());
  *out = std::move(t);
  return Status::Ok();
}

HistoryTables::~HistoryTables() {
  // The statements must go before the connection they belong to.
  insert_requests_.Finalize();
  insert_attempts_.Finalize();
  for (Statement* st : {&insert_fallback_, &insert_transition_, &insert_answer_, &add_spend_,
                        &request_exists_, &transition_exists_, &probe_exists_, &answer_exists_}) {
    *st = Statement();
  }
  sqlite3_close(db_);
}

Status HistoryTables::Prepare() {
  SY_RETURN_IF_ERROR(insert_requests_.Prepare(
      db_,
      "INSERT OR ROLLBACK INTO requests (id, ts_ms, route, task, served_by, outcome, latency_ms, "
      "attempts, cost_usd, input_tokens, output_tokens, truncated, error, skipped, "
      "tools_offered, tool_calls)",
      16));
  SY_RETURN_IF_ERROR(insert_attempts_.Prepare(
      db_,
      "INSERT OR ROLLBACK INTO attempts (request_id, seq, ts_ms, model, task, latency_ms, outcome, "
      "reason, http_status, input_tokens, output_tokens, cost_usd, timeout_ms, stream, ttft_ms, "
      "truncated, tokens_before, tokens_after, est_tokens, called, last_tier, probe, tool_calls)",
      23));
  SY_RETURN_IF_ERROR(Statement::Prepare(
      db_,
      "INSERT INTO fallbacks (request_id, ts_ms, from_model, to_model, reason, detail) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      true, &insert_fallback_));
  SY_RETURN_IF_ERROR(Statement::Prepare(
      db_,
      "INSERT INTO breaker_transitions (ts_ms, model, from_state, to_state, reason, open_until_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      true, &insert_transition_));
  SY_RETURN_IF_ERROR(Statement::Prepare(
      db_,
      "INSERT INTO fallback_answers (request_id, ts_ms, route, task, served_by, first_tier, "
      "reason, messages_json, truncated, content, finish_reason, tool_calls_json) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
      true, &insert_answer_));
  SY_RETURN_IF_ERROR(Statement::Prepare(db_, "SELECT 1 FROM fallback_answers WHERE request_id = ?1",
                                        true, &answer_exists_));
  SY_RETURN_IF_ERROR(Statement::Prepare(
      db_,
      "INSERT INTO spend_by_route_day (route, day, cost_usd) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (route, day) DO UPDATE SET cost_usd = cost_usd + excluded.cost_usd",
      true, &add_spend_));
  SY_RETURN_IF_ERROR(
      Statement::Prepare(db_, "SELECT 1 FROM requests WHERE id = ?1", true, &request_exists_));
  SY_RETURN_IF_ERROR(Statement::Prepare(
      db_, "SELECT 1 FROM breaker_transitions WHERE ts_ms = ?1 AND model = ?2 AND to_state = ?3",
      true, &transition_exists_));
  SY_RETURN_IF_ERROR(Statement::Prepare(
      db_,
      "SELECT 1 FROM attempts WHERE request_id = ?1 AND probe = 1 AND ts_ms = ?2 AND model = ?3",
      true, &probe_exists_));
  return Status::Ok();
}

int64_t HistoryTables::NextRequestId() {
  int64_t next = 1;
  Status s = ForEachRow(
      db_, "SELECT COALESCE(MAX(id), 0) + 1 FROM requests", {},
      [&next](const Row& r) { next = r.Int(0); }, "reading the largest request id");
  if (!s.ok()) spdlog::error("{}", s.message());
  return next;
}

void HistoryTables::SetProgressHandler(int (*fn)(void*), void* arg) {
  sqlite3_progress_handler(db_, 500, fn, arg);
}

bool HistoryTables::InsertRequest(const RequestView& r) {
  int64_t calls = 0;
  for (const AttemptView& a : r.attempts) calls += a.called ? 1 : 0;
  insert_requests_.Int(1, r.id)
      .Int(2, r.ts_ms)
      .Text(3, r.route)
      .Text(4, r.task)
      .TextOrNull(5, r.served_by)
      .Text(6, r.outcome)
      .Int(7, r.latency_ms)
      .Int(8, calls)
      .Double(9, r.cost_usd)
      .Int(10, r.input_tokens)
      .Int(11, r.output_tokens)
      .Int(12, r.truncated ? 1 : 0)
      .TextOrNull(13, r.error)
      .Int(14, static_cast<int64_t>(r.attempts.size()) - calls)
      .Int(15, r.tools_offered)
      .Int(16, r.tool_calls);
  bool ok = insert_requests_.EndRow();
  for (size_t i = 0; ok && i < r.attempts.size(); ++i) {
    ok = InsertAttempt(r.id, r.task, static_cast<int64_t>(i), r.attempts[i]);
  }
  for (size_t i = 0; ok && i < r.fallbacks.size(); ++i) {
    const FallbackView& f = r.fallbacks[i];
    ok = insert_fallback_.Int(1, r.id)
             .Int(2, f.ts_ms)
             .Text(3, f.from_model)
             .Text(4, f.to_model)
             .Text(5, f.reason)
             .TextOrNull(6, f.detail)
             .Run();
  }
  return ok;
}

bool HistoryTables::InsertAttempt(int64_t request_id, std::string_view task, int64_t seq,
                                  const AttemptView& a) {
  MultiRowInsert& s = insert_attempts_;
  s.Int(1, request_id)
      .Int(2, seq)
      .Int(3, a.ts_ms)
      .Text(4, a.model)
      .Text(5, task)
      .Int(6, a.latency_ms)
      .Text(7, a.outcome)
      .TextOrNull(8, a.reason)
      .Int(9, a.http_status)
      .Int(10, a.input_tokens)
      .Int(11, a.output_tokens)
      .Double(12, a.cost_usd)
      .Int(13, a.timeout_ms)
      .Int(14, a.stream ? 1 : 0)
      .Int(16, a.truncated ? 1 : 0)
      .Int(17, a.tokens_before)
      .Int(18, a.tokens_after)
      .Int(19, a.est_tokens)
      .Int(20, a.called ? 1 : 0)
      .Int(21, a.last_tier ? 1 : 0)
      .Int(22, a.probe ? 1 : 0)
      .Int(23, a.tool_calls);
  if (a.ttft_ms >= 0) {
    s.Int(15, a.ttft_ms);
  } else {
    s.Null(15);
  }
  return s.EndRow();
}

bool HistoryTables::InsertTransition(const TransitionView& t) {
  Statement& s = insert_transition_;
  s.Int(1, t.ts_ms).Text(2, t.model).Text(3, t.from_state).Text(4, t.to_state).Text(5, t.reason);
  if (t.open_until_ms > 0) {
    s.Int(6, t.open_until_ms);
  } else {
    s.Null(6);
  }
  return s.Run();
}

bool HistoryTables::InsertAnswer(const AnswerView& a) {
  return insert_answer_.Int(1, a.request_id)
      .Int(2, a.ts_ms)
      .Text(3, a.route)
      .Text(4, a.task)
      .Text(5, a.served_by)
      .Text(6, a.first_tier)
      .Text(7, a.reason)
      .Text(8, a.messages_json)
      .Int(9, a.truncated ? 1 : 0)
      .Text(10, a.content)
      .Text(11, a.finish_reason)
      .TextOrNull(12, a.tool_calls_json)
      .Run();
}

bool HistoryTables::OnFile(const RecordView& v) {
  Statement* query = nullptr;
  switch (v.kind) {
    case RecordView::Kind::kRequest:
      query = &request_exists_.Int(1, v.request.id);
      break;
    case RecordView::Kind::kProbe:
      query = &probe_exists_.Int(1, v.request.id)
                   .Int(2, v.request.attempts.front().ts_ms)
                   .Text(3, v.request.attempts.front().model);
      break;
    case RecordView::Kind::kAnswer:
      query = &answer_exists_.Int(1, v.answer.request_id);
      break;
    case RecordView::Kind::kTransition:
      query = &transition_exists_.Int(1, v.transition.ts_ms)
                   .Text(2, v.transition.model)
                   .Text(3, v.transition.to_state);
      break;
  }
  Statement& q = *query;
  bool found = q.Step();
  q.Reset();
  return found;
}

HistoryTables::Written HistoryTables::Write(std::string_view bytes, bool skip_existing) {
  Written w;
  bool ok = Exec(db_, "BEGIN IMMEDIATE");
  // One spend row per route and day per batch, not per request.
  std::map<std::pair<std::string_view, int64_t>, double> spend;
  RecordReader reader(bytes);
  RecordView v;
  while (ok && reader.Next(&v)) {
    if (skip_existing) {
      // What is held is not on file yet: a record repeated in the journal must find it.
      ok = insert_requests_.Flush() && insert_attempts_.Flush();
      if (!ok || OnFile(v)) continue;
    }
    if (v.kind == RecordView::Kind::kRequest) {
      ok = InsertRequest(v.request);
      w.rows += 1 + static_cast<int64_t>(v.request.attempts.size() + v.request.fallbacks.size());
      if (v.request.cost_usd > 0)
        spend[{v.request.route, v.request.ts_ms / 86400000}] += v.request.cost_usd;
    } else if (v.kind == RecordView::Kind::kProbe) {
      const AttemptView& a = v.request.attempts.front();
      ok = InsertAttempt(v.request.id, v.request.task, -1, a);
      ++w.rows;
      if (a.cost_usd > 0) spend[{v.request.route, a.ts_ms / 86400000}] += a.cost_usd;
    } else if (v.kind == RecordView::Kind::kAnswer) {
      ok = InsertAnswer(v.answer);
      ++w.rows;
    } else {
      ok = InsertTransition(v.transition);
      ++w.rows;
    }
  }
  if (reader.broken()) {
    // Only a bug could get here; the rows already bound would commit without the rest.
    spdlog::error("history: a queued batch of {} bytes is unreadable", bytes.size());
    ok = false;
  }
  if (ok) ok = insert_requests_.Flush() && insert_attempts_.Flush();
  for (const auto& [key, usd] : spend) {
    if (!ok) break;
    ok = add_spend_.Text(1, key.first).Int(2, key.second).Double(3, usd).Run();
  }
  if (ok) ok = Exec(db_, "COMMIT");
  if (ok) return w;
  int code = sqlite3_errcode(db_);
  w.error = sqlite3_errmsg(db_);
  insert_requests_.Clear();
  insert_attempts_.Clear();
  Exec(db_, "ROLLBACK");
  w.rows = 0;
  w.result = code == SQLITE_FULL ? Result::kNoSpace : Result::kFailed;
  return w;
}

int64_t HistoryTables::Prune(int64_t cutoff_wall_ms, int64_t answers_cutoff_wall_ms) {
  int64_t deleted = 0;
  for (const char* table :
       {"attempts", "fallbacks", "requests", "breaker_transitions", "fallback_answers"}) {
    std::string sql = std::string("DELETE FROM ") + table + " WHERE rowid IN (SELECT rowid FROM " +
                      table + " WHERE ts_ms < ?1 LIMIT " + std::to_string(kPruneChunk) + ")";
    Statement st;
    if (!Statement::Prepare(db_, sql, false, &st).ok()) continue;
    // The kept answers hold user text: their own, usually shorter, retention.
    int64_t cutoff = std::string_view(table) == "fallback_answers"
                         ? std::max(cutoff_wall_ms, answers_cutoff_wall_ms)
                         : cutoff_wall_ms;
    for (;;) {
      bool done = st.Int(1, cutoff).Run();
      int n = sqlite3_changes(db_);
      if (!done || n == 0) break;
      deleted += n;
    }
  }
  if (deleted > 0) Exec(db_, "PRAGMA incremental_vacuum(2000)");
  // PASSIVE never waits for readers: it copies what it can and lets a reader keep its snapshot.
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return deleted;
}

void HistoryTables::SetMaxSize(int64_t bytes) {
  // max_page_count never goes below what the file already holds; "unlimited" is SQLite's own
  // ceiling.
  int64_t pages = bytes > 0 ? std::max<int64_t>(1, bytes / 4096) : 4294967294LL;
  Exec(db_, ("PRAGMA max_page_count = " + std::to_string(pages)).c_str());
}

}  // namespace switchyard
