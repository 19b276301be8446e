#include "store/migrations.h"

#include <sstream>

#include "store/history_sql.h"

namespace switchyard {

const std::vector<Migration>& HistoryMigrations() {
  static const std::vector<Migration> migrations = [] {
    std::vector<Migration> out;
    std::istringstream in{std::string(kHistorySql)};
    std::string line;
    const std::string marker = "-- migration: ";
    while (std::getline(in, line)) {
      if (line.rfind(marker, 0) == 0) {
        out.push_back({std::stoi(line.substr(marker.size())), ""});
      } else if (!out.empty()) {
        out.back().sql += line + "\n";
      }
    }
    return out;
  }();
  return migrations;
}

Status Migrate(sqlite3* db, int target) {
  const std::vector<Migration>& all = HistoryMigrations();
  int newest = all.empty() ? 0 : all.back().version;
  if (target < 0) target = newest;
  sqlite3_stmt* st = nullptr;
  int version = 0;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) != SQLITE_OK ||
      sqlite3_step(st) != SQLITE_ROW) {
    std::string err = sqlite3_errmsg(db);
    sqlite3_finalize(st);
    return Status::Corruption("cannot read the schema version: " + err);
  }
  version = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (version > newest) {
    return Status::InvalidArgument("history schema version " + std::to_string(version) +
                                   " is newer than this switchyardd knows (" +
                                   std::to_string(newest) +
                                   "): written by a later release; refusing to touch it");
  }
  for (const Migration& m : all) {
    if (m.version <= version || m.version > target) continue;
    std::string sql = "BEGIN IMMEDIATE;\n" + m.sql +
                      "PRAGMA user_version = " + std::to_string(m.version) + ";\nCOMMIT;";
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      return Status::IoError("history migration " + std::to_string(m.version) + " failed: " + msg);
    }
  }
  return Status::Ok();
}

}  // namespace switchyard
