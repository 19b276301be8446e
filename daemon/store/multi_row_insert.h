// Rows for one table, inserted several to a statement. For the history's narrow rows SQLite
// spends much of each statement on the statement itself (opening a cursor on the table and
// on every index, and closing them): sixteen rows a statement take the writer from 36,000
// to 29,000 instructions a request (bench/README.md). Only store/ includes this header.
//
// Give the head "INSERT OR ROLLBACK" inside a transaction that a failure rolls back anyway:
// a plain INSERT of several rows can fail part-way, so SQLite keeps a statement journal to
// undo just that statement, a temporary file that every page the statement touches is
// copied to first (three to ten times the writes, bench/README.md).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/sql.h"

namespace switchyard {

class MultiRowInsert {
 public:
  static constexpr int kRowsPerStatement = 16;

  // `head` names the table and its `columns` columns: "INSERT INTO t (a, b, c)".
  Status Prepare(sqlite3* db, std::string head, int columns);
  // Before the connection closes.
  void Finalize();

  // The current row's value of 1-based column `i`; a column not given is NULL. Text is not
  // copied: it must outlive the Flush (or EndRow) that inserts its row.
  MultiRowInsert& Int(int i, int64_t v) { return Set(i, Value{Value::kInt, v, 0, {}}); }
  MultiRowInsert& Double(int i, double v) { return Set(i, Value{Value::kDouble, 0, v, {}}); }
  MultiRowInsert& Text(int i, std::string_view v) { return Set(i, Value{Value::kText, 0, 0, v}); }
  MultiRowInsert& TextOrNull(int i, std::string_view v) {  // NULL when empty
    return v.empty() ? Null(i) : Text(i, v);
  }
  MultiRowInsert& Null(int i) { return Set(i, Value{}); }

  // Ends the current row; once kRowsPerStatement are held, inserts them. False on an error.
  bool EndRow();
  // Inserts the rows held, in one statement. False on an error.
  bool Flush();
  // Forgets the rows held: their transaction is being rolled back.
  void Clear();
  int held() const { return rows_; }

 private:
  struct Value {
    enum Kind : uint8_t { kNull, kInt, kDouble, kText } kind = kNull;
    int64_t i = 0;
    double d = 0;
    std::string_view t;
  };
  MultiRowInsert& Set(int i, const Value& v) {
    values_[static_cast<size_t>(rows_ * columns_ + i - 1)] = v;
    return *this;
  }
  // The statement for `rows` rows, prepared when first asked for.
  Statement* For(int rows);

  sqlite3* db_ = nullptr;
  std::string head_;
  int columns_ = 0;
  int rows_ = 0;
  std::vector<Value> values_;  // kRowsPerStatement rows of columns_ values
  std::array<Statement, kRowsPerStatement + 1> by_rows_;  // [n] inserts n rows
};

}  // namespace switchyard
