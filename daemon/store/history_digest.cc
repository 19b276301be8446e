#include "store/history_digest.h"

#include <sqlite3.h>

#include "store/sql.h"

namespace switchyard {
namespace {

constexpr int64_t kHourMs = int64_t{3600} * 1000;
constexpr int64_t kDayMs = 24 * kHourMs;

class ReadOnlyDb {
 public:
  ~ReadOnlyDb() { sqlite3_close(db_); }
  Status Open(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      return Status::Unavailable("cannot open the history " + path + ": " + sqlite3_errmsg(db_));
    }
    sqlite3_busy_timeout(db_, 200);
    return Status::Ok();
  }
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

HistoryDigest::Transition TransitionOf(const Row& r) {
  return {r.Int(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4)};
}

}  // namespace

Status ReadHistoryDigest(const std::string& path, int64_t now_ms, HistoryDigest* out) {
  ReadOnlyDb db;
  SY_RETURN_IF_ERROR(db.Open(path));
  const int64_t hour_ago = now_ms - kHourMs;
  SY_RETURN_IF_ERROR(ForEachRow(
      db.get(),
      "SELECT route, coalesce(served_by, ''), ts_ms / 60000, count(*) FROM requests "
      "WHERE ts_ms >= ?1 GROUP BY 1, 2, 3 ORDER BY 3",
      {hour_ago},
      [&](const Row& r) {
        out->served.push_back({r.Text(0), r.Text(1), r.Int(2), r.Int(3)});
      },
      "reading requests"));
  SY_RETURN_IF_ERROR(ForEachRow(
      db.get(),
      "SELECT r.route, f.reason, count(*) FROM fallbacks f JOIN requests r ON r.id = "
      "f.request_id WHERE f.ts_ms >= ?1 GROUP BY 1, 2 ORDER BY 3 DESC",
      {hour_ago},
      [&](const Row& r) {
        out->fallbacks.push_back({r.Text(0), r.Text(1), r.Int(2)});
      },
      "reading fallbacks"));
  SY_RETURN_IF_ERROR(ForEachRow(
      db.get(),
      "SELECT model, outcome, count(*) FROM attempts WHERE ts_ms >= ?1 GROUP BY 1, 2 "
      "ORDER BY 1, 3 DESC",
      {hour_ago},
      [&](const Row& r) {
        out->outcomes.push_back({r.Text(0), r.Text(1), r.Int(2)});
      },
      "reading attempts"));
  SY_RETURN_IF_ERROR(ForEachRow(
      db.get(),
      "SELECT ts_ms, model, from_state, to_state, reason FROM breaker_transitions "
      "WHERE ts_ms >= ?1 ORDER BY ts_ms",
      {now_ms - kDayMs}, [&](const Row& r) { out->transitions.push_back(TransitionOf(r)); },
      "reading breaker transitions"));
  return ForEachRow(
      db.get(),
      "SELECT t.ts_ms, t.model, t.from_state, t.to_state, t.reason FROM breaker_transitions t "
      "JOIN (SELECT model, max(ts_ms) AS ts FROM breaker_transitions GROUP BY model) m "
      "ON m.model = t.model AND m.ts = t.ts_ms",
      {}, [&](const Row& r) { out->latest.push_back(TransitionOf(r)); },
      "reading breaker transitions");
}

}  // namespace switchyard
