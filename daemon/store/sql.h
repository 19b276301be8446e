// A thin hold on SQLite for the store's own files: prepared statements that finalize
// themselves, binds by type, and one helper that runs a query row by row. Only store/
// includes this header; the store's public one (sqlite_store.h) does not.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace switchyard {

class Statement {
 public:
  Statement() = default;
  ~Statement() { sqlite3_finalize(st_); }
  Statement(Statement&& o) noexcept : st_(std::exchange(o.st_, nullptr)) {}
  Statement& operator=(Statement&& o) noexcept {
    std::swap(st_, o.st_);
    return *this;
  }

  // `persistent`: kept for the life of the connection, so SQLite plans for its reuse.
  static Status Prepare(sqlite3* db, std::string_view sql, bool persistent, Statement* out);

  // Binds by 1-based index. Text is not copied: it must outlive the next Run or Step.
  Statement& Int(int i, int64_t v);
  Statement& Double(int i, double v);
  Statement& Text(int i, std::string_view v);
  Statement& TextOrNull(int i, std::string_view v);  // NULL when empty
  Statement& Null(int i);

  // Runs to completion and resets; true if it completed.
  bool Run();
  // Steps once: true when a row is there to read. Reset() before binding again.
  bool Step() { return sqlite3_step(st_) == SQLITE_ROW; }
  void Reset() { sqlite3_reset(st_); }
  sqlite3_stmt* get() const { return st_; }

 private:
  sqlite3_stmt* st_ = nullptr;
};

// A result row of ForEachRow, read by 0-based column.
class Row {
 public:
  explicit Row(sqlite3_stmt* st) : st_(st) {}
  int64_t Int(int i) const { return sqlite3_column_int64(st_, i); }
  double Double(int i) const { return sqlite3_column_double(st_, i); }
  std::string Text(int i) const {
    const unsigned char* t = sqlite3_column_text(st_, i);
    return t ? reinterpret_cast<const char*>(t) : "";
  }

 private:
  sqlite3_stmt* st_;
};

// Runs `sql` with integer arguments ?1, ?2, ..., calling `row` for each result. `what`
// names the read in an error ("reading attempts").
Status ForEachRow(sqlite3* db, std::string_view sql, std::initializer_list<int64_t> args,
                  const std::function<void(const Row&)>& row, const char* what);

// Runs SQL with no result; false on an error.
bool Exec(sqlite3* db, const char* sql);

}  // namespace switchyard
