#include "store/sql.h"

namespace switchyard {

Status Statement::Prepare(sqlite3* db, std::string_view sql, bool persistent, Statement* out) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                         persistent ? SQLITE_PREPARE_PERSISTENT : 0, &st, nullptr) != SQLITE_OK) {
    return Status::Corruption(std::string("history: ") + sqlite3_errmsg(db));
  }
  sqlite3_finalize(out->st_);
  out->st_ = st;
  return Status::Ok();
}

Statement& Statement::Int(int i, int64_t v) {
  sqlite3_bind_int64(st_, i, v);
  return *this;
}

Statement& Statement::Double(int i, double v) {
  sqlite3_bind_double(st_, i, v);
  return *this;
}

Statement& Statement::Text(int i, std::string_view v) {
  sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::TextOrNull(int i, std::string_view v) {
  return v.empty() ? Null(i) : Text(i, v);
}

Statement& Statement::Null(int i) {
  sqlite3_bind_null(st_, i);
  return *this;
}

bool Statement::Run() {
  int rc = sqlite3_step(st_);
  sqlite3_reset(st_);
  return rc == SQLITE_DONE;
}

Status ForEachRow(sqlite3* db, std::string_view sql, std::initializer_list<int64_t> args,
                  const std::function<void(const Row&)>& row, const char* what) {
  Statement st;
  SY_RETURN_IF_ERROR(Statement::Prepare(db, sql, false, &st));
  int i = 1;
  for (int64_t a : args) st.Int(i++, a);
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) row(Row(st.get()));
  if (rc != SQLITE_DONE) {
    return Status::Corruption(std::string("history: ") + what + ": " + sqlite3_errmsg(db));
  }
  return Status::Ok();
}

bool Exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

}  // namespace switchyard
