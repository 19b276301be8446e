// Applies schema/history.sql's numbered migrations to an open database.
#pragma once

#include <sqlite3.h>

#include <string>
#include <vector>

#include "base/status.h"

namespace switchyard {

struct Migration {
  int version;
  std::string sql;
};

// The migrations embedded from schema/history.sql, in order.
const std::vector<Migration>& HistoryMigrations();

// Brings `db` to `target` (default: the newest known), one transaction per migration.
// A database newer than the newest known version is refused.
Status Migrate(sqlite3* db, int target = -1);

}  // namespace switchyard
