// The reads at start that warm the daemon with what the history learned: latency samples,
// the token estimate's calibration, today's spend, breaker transitions. Each is one query,
// run before the writer thread starts. SqliteStore's Load* say what each returns.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/status.h"
#include "store/sqlite_store.h"

struct sqlite3;

namespace switchyard {

Status LoadAttempts(sqlite3* db, int64_t since_wall_ms,
                    const std::function<void(const LoadedAttempt&)>& fn);
Status LoadCalibration(
    sqlite3* db, int64_t since_wall_ms,
    const std::function<void(const std::string& model, int64_t estimated, int64_t actual)>& fn);
Status LoadSpend(sqlite3* db, int64_t day_wall_ms,
                 const std::function<void(const std::string& route, double usd)>& fn);
Status LoadBreakerTransitions(sqlite3* db, int64_t since_wall_ms,
                              const std::function<void(const BreakerTransitionRecord&)>& fn);

}  // namespace switchyard
