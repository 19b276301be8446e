#include "store/multi_row_insert.h"

#include <algorithm>
#include <utility>

namespace switchyard {

Status MultiRowInsert::Prepare(sqlite3* db, std::string head, int columns) {
  db_ = db;
  head_ = std::move(head);
  columns_ = columns;
  rows_ = 0;
  values_.assign(static_cast<size_t>(kRowsPerStatement * columns), Value{});
  // Both statements a busy writer uses, so that a mistake in `head` shows at start.
  if (For(1) == nullptr || For(kRowsPerStatement) == nullptr) {
    return Status::Corruption(std::string("history: ") + sqlite3_errmsg(db));
  }
  return Status::Ok();
}

void MultiRowInsert::Finalize() {
  for (Statement& s : by_rows_) s = Statement();
}

Statement* MultiRowInsert::For(int rows) {
  Statement& s = by_rows_[static_cast<size_t>(rows)];
  if (s.get() != nullptr) return &s;
  std::string sql = head_ + " VALUES ";
  for (int r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (int c = 0; c < columns_; ++c) sql += c == 0 ? "?" : ", ?";
    sql += ")";
  }
  if (!Statement::Prepare(db_, sql, true, &s).ok()) return nullptr;
  return &s;
}

bool MultiRowInsert::EndRow() {
  ++rows_;
  if (rows_ < kRowsPerStatement) {
    std::fill_n(values_.begin() + rows_ * columns_, columns_, Value{});
    return true;
  }
  return Flush();
}

bool MultiRowInsert::Flush() {
  if (rows_ == 0) return true;
  Statement* s = For(rows_);
  bool ok = s != nullptr;
  for (int i = 0; ok && i < rows_ * columns_; ++i) {
    const Value& v = values_[static_cast<size_t>(i)];
    switch (v.kind) {
      case Value::kNull:
        s->Null(i + 1);
        break;
      case Value::kInt:
        s->Int(i + 1, v.i);
        break;
      case Value::kDouble:
        s->Double(i + 1, v.d);
        break;
      case Value::kText:
        s->Text(i + 1, v.t);
        break;
    }
  }
  if (ok) ok = s->Run();
  Clear();
  return ok;
}

void MultiRowInsert::Clear() {
  rows_ = 0;
  std::fill_n(values_.begin(), columns_, Value{});
}

}  // namespace switchyard
