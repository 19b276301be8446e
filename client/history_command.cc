#include "history_command.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <vector>

#include "base/json_writer.h"
#include "store/migrations.h"

namespace switchyard {
namespace {

struct Column {
  const char* name;
  bool raw_json = false;  // a column that already holds JSON (--json writes it as it is)
};

struct Query {
  int min_version;  // the schema version that has what it reads
  std::string sql;  // ?1: a time or a day, ?2: a text filter, ?3: a limit
  std::vector<Column> columns;
  std::string none;  // what text mode says when no row matches
};

std::string IsoOf(int64_t ms) {
  time_t s = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Query QueryFor(const HistoryCommand& c, int64_t now_ms, int64_t* time_arg) {
  const char* iso = "strftime('%Y-%m-%dT%H:%M:%fZ', ts_ms / 1000.0, 'unixepoch')";
  *time_arg = now_ms - c.since_ms;
  if (c.what == "fallbacks") {
    return {1,
            "SELECT r.route, f.from_model, f.to_model, f.reason, COUNT(*) AS count "
            "FROM fallbacks f JOIN requests r ON r.id = f.request_id WHERE f.ts_ms >= ?1 "
            "GROUP BY 1, 2, 3, 4 ORDER BY count DESC, 1, 2, 3, 4",
            {{"route"}, {"from"}, {"to"}, {"reason"}, {"count"}},
            "no fallbacks since " + IsoOf(*time_arg)};
  }
  if (c.what == "breakers") {
    return {1,
            std::string("SELECT ") + iso +
                " AS ts, model, from_state, to_state, reason, CASE WHEN open_until_ms IS NULL "
                "THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', open_until_ms / 1000.0, "
                "'unixepoch') END AS open_until FROM breaker_transitions WHERE ts_ms >= ?1 "
                "ORDER BY ts_ms, rowid",
            {{"ts"}, {"model"}, {"from"}, {"to"}, {"reason"}, {"open_until"}},
            "no breaker transitions since " + IsoOf(*time_arg)};
  }
  if (c.what == "latency") {
    // latency_by_model_hour's arithmetic, with the time filter inside, so that it reads only
    // the hours asked for.
    return {
        4,
        "WITH ranked AS (SELECT model, ts_ms / 3600000 AS h, latency_ms, outcome, "
        "ROW_NUMBER() OVER (PARTITION BY model, ts_ms / 3600000 ORDER BY latency_ms) AS rn, "
        "COUNT(*) OVER (PARTITION BY model, ts_ms / 3600000) AS n FROM attempts "
        "WHERE called = 1 AND ts_ms >= ?1 AND (?2 = '' OR model = ?2)) "
        "SELECT strftime('%Y-%m-%dT%H:00Z', h * 3600, 'unixepoch') AS hour, model, "
        "n AS calls, SUM(outcome = 'ok') AS ok, SUM(outcome = 'timeout') AS timeouts, "
        "MIN(CASE WHEN rn >= 0.50 * n THEN latency_ms END) AS p50_ms, "
        "MIN(CASE WHEN rn >= 0.95 * n THEN latency_ms END) AS p95_ms, "
        "MAX(latency_ms) AS max_ms FROM ranked GROUP BY model, h ORDER BY h, model",
        {{"hour"}, {"model"}, {"calls"}, {"ok"}, {"timeouts"}, {"p50_ms"}, {"p95_ms"}, {"max_ms"}},
        "no model calls" + (c.model.empty() ? std::string() : " of " + c.model) + " since " +
            IsoOf(*time_arg)};
  }
  if (c.what == "cost") {
    *time_arg = (now_ms / 86400000 - (c.days - 1)) * 86400000;  // 00:00 UTC, days-1 days ago
    return {4,
            "SELECT strftime('%Y-%m-%d', a.ts_ms / 1000, 'unixepoch') AS day, r.route, a.model, "
            "SUM(a.called) AS calls, SUM(a.input_tokens) AS input_tokens, "
            "SUM(a.output_tokens) AS output_tokens, ROUND(SUM(a.cost_usd), 6) AS cost_usd "
            "FROM attempts a JOIN requests r ON r.id = a.request_id WHERE a.ts_ms >= ?1 "
            "GROUP BY a.ts_ms / 86400000, r.route, a.model ORDER BY day, r.route, a.model",
            {{"day"},
             {"route"},
             {"model"},
             {"calls"},
             {"input_tokens"},
             {"output_tokens"},
             {"cost_usd"}},
            "no cost since " + IsoOf(*time_arg).substr(0, 10)};
  }
  return {7,
          std::string("SELECT ") + iso +
              " AS ts, request_id, route, task, served_by, first_tier, reason, truncated, "
              "messages_json, content, finish_reason, tool_calls_json FROM fallback_answers "
              "WHERE (?2 = '' OR route = ?2) ORDER BY ts_ms DESC, rowid DESC LIMIT ?3",
          {{"ts"},
           {"request_id"},
           {"route"},
           {"task"},
           {"served_by"},
           {"first_tier"},
           {"reason"},
           {"truncated"},
           {"messages", true},
           {"content"},
           {"finish_reason"},
           {"tool_calls", true}},
          "no kept answers" + (c.route.empty() ? std::string() : " of route " + c.route) +
              " (only routes with keep_fallback_answers = true keep them)"};
}

struct Cell {
  int type = SQLITE_NULL;
  int64_t i = 0;
  double d = 0;
  std::string text;
  std::string Shown() const {
    if (type == SQLITE_INTEGER) return std::to_string(i);
    if (type == SQLITE_FLOAT) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6f", d);
      return buf;
    }
    return type == SQLITE_NULL ? "-" : text;
  }
};

void PrintTable(const Query& q, const std::vector<std::vector<Cell>>& rows, std::FILE* out) {
  std::vector<size_t> width;
  for (const Column& c : q.columns) width.push_back(std::string_view(c.name).size());
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].Shown().size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t i = 0; i < cells.size(); ++i) {
      bool last = i + 1 == cells.size();
      s += cells[i];
      if (!last) s += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    std::fprintf(out, "%s\n", s.c_str());
  };
  std::vector<std::string> head;
  for (const Column& c : q.columns) head.emplace_back(c.name);
  line(head);
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    cells.reserve(row.size());
    for (const Cell& c : row) cells.push_back(c.Shown());
    line(cells);
  }
}

// Kept answers hold whole prompts and answers: one block each, not a table row.
void PrintAnswers(const std::vector<std::vector<Cell>>& rows, std::FILE* out) {
  for (const auto& r : rows) {
    std::fprintf(out, "%s  request %lld  route %s (task %s): %s served, not %s (%s)\n",
                 r[0].Shown().c_str(), static_cast<long long>(r[1].i), r[2].text.c_str(),
                 r[3].text.c_str(), r[4].text.c_str(), r[5].text.c_str(), r[6].text.c_str());
    std::fprintf(out, "  prompt%s: %s\n", r[7].i ? " (shortened for it)" : "", r[8].text.c_str());
    std::fprintf(out, "  answer (%s): %s\n", r[10].text.c_str(), r[9].text.c_str());
    if (r[11].type == SQLITE_TEXT && !r[11].text.empty()) {
      std::fprintf(out, "  tool calls: %s\n", r[11].text.c_str());
    }
    std::fprintf(out, "\n");
  }
}

void PrintJson(const Query& q, const std::vector<std::vector<Cell>>& rows, std::FILE* out) {
  JsonWriter w;
  w.BeginArray();
  for (const auto& row : rows) {
    w.BeginObject();
    for (size_t i = 0; i < row.size(); ++i) {
      w.Key(q.columns[i].name);
      const Cell& c = row[i];
      if (c.type == SQLITE_INTEGER) {
        w.Int(c.i);
      } else if (c.type == SQLITE_FLOAT) {
        w.Double(c.d);
      } else if (c.type == SQLITE_NULL) {
        w.Raw("null");
      } else if (q.columns[i].raw_json) {
        w.Raw(c.text);
      } else {
        w.String(c.text);
      }
    }
    w.EndObject();
  }
  w.EndArray();
  std::fprintf(out, "%s\n", w.Take().c_str());
}

}  // namespace

Status ParseDuration(std::string_view text, int64_t* ms) {
  if (text.empty()) return Status::InvalidArgument("empty duration");
  int64_t unit = 1000;
  char last = text.back();
  if (last == 's' || last == 'm' || last == 'h' || last == 'd') {
    unit = last == 's' ? 1000 : last == 'm' ? 60000 : last == 'h' ? 3600000 : 86400000;
    text.remove_suffix(1);
  }
  int64_t n = 0;
  if (text.empty() || text.size() > 9) {
    return Status::InvalidArgument("expected a duration like 90s, 30m, 1h or 7d");
  }
  for (char ch : text) {
    if (ch < '0' || ch > '9') {
      return Status::InvalidArgument("expected a duration like 90s, 30m, 1h or 7d");
    }
    n = n * 10 + (ch - '0');
  }
  *ms = n * unit;
  return Status::Ok();
}

int RunHistoryCommand(const HistoryCommand& c, std::FILE* out, std::FILE* err) {
  auto fail = [&](const std::string& why) {
    std::fprintf(err, "switchyard history: %s: %s\n", c.path.c_str(), why.c_str());
    return 1;
  };
  struct stat st {};
  if (stat(c.path.c_str(), &st) != 0) {
    return fail(
        "no such file (the daemon's daemon.history; --history PATH or "
        "$SWITCHYARD_HISTORY names another)");
  }
  if (!S_ISREG(st.st_mode)) return fail("not a regular file");
  if (st.st_size == 0) return fail("empty: not a switchyard history (the daemon has not run yet)");
  sqlite3* db = nullptr;
  // Read-only: nothing here can change the live file, and with WAL the daemon never waits.
  if (sqlite3_open_v2(c.path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "cannot open";
    sqlite3_close(db);
    return fail(why);
  }
  sqlite3_busy_timeout(db, 2000);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> closer(db, &sqlite3_close);
  sqlite3_stmt* stmt = nullptr;
  int version = -1;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    version = sqlite3_column_int(stmt, 0);
  }
  std::string open_error = sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  if (version < 0) return fail("not a SQLite database (" + open_error + ")");
  int newest = HistoryMigrations().back().version;
  if (version > newest) {
    return fail("history schema version " + std::to_string(version) +
                " is newer than this switchyard knows (" + std::to_string(newest) +
                "): written by a later release; use its switchyard");
  }
  if (version == 0) return fail("not a switchyard history (schema version 0: no tables)");
  int64_t now = c.now_ms > 0 ? c.now_ms
                             : std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
  int64_t time_arg = 0;
  Query q = QueryFor(c, now, &time_arg);
  if (version < q.min_version) {
    return fail("schema version " + std::to_string(version) + " is older than `history " + c.what +
                "` reads (" + std::to_string(q.min_version) +
                "): start the new switchyardd once to migrate it");
  }
  if (sqlite3_prepare_v2(db, q.sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    return fail(std::string("cannot query it: ") + sqlite3_errmsg(db));
  }
  std::string filter = c.what == "latency" ? c.model : c.route;
  sqlite3_bind_int64(stmt, 1, time_arg);
  sqlite3_bind_text(stmt, 2, filter.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(stmt, 3, c.limit);
  std::vector<std::vector<Cell>> rows;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    std::vector<Cell> row(q.columns.size());
    for (size_t i = 0; i < row.size(); ++i) {
      Cell& cell = row[i];
      int col = static_cast<int>(i);
      cell.type = sqlite3_column_type(stmt, col);
      if (cell.type == SQLITE_INTEGER) cell.i = sqlite3_column_int64(stmt, col);
      if (cell.type == SQLITE_FLOAT) cell.d = sqlite3_column_double(stmt, col);
      if (cell.type == SQLITE_TEXT || cell.type == SQLITE_BLOB) {
        cell.type = SQLITE_TEXT;
        cell.text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
      }
    }
    rows.push_back(std::move(row));
  }
  std::string step_error = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  if (!step_error.empty()) return fail("cannot read it: " + step_error);
  if (c.json) {
    PrintJson(q, rows, out);
  } else if (rows.empty()) {
    std::fprintf(out, "%s\n", q.none.c_str());
  } else if (c.what == "answers") {
    PrintAnswers(rows, out);
  } else {
    PrintTable(q, rows, out);
  }
  return 0;
}

}  // namespace switchyard
