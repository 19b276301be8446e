// `switchyard history`: the questions an operator asks first, answered from the history file
// itself (read-only, so safe on the live file: SQLite's WAL never makes the daemon wait for a
// reader). Plain text tables by default, JSON for scripts.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "base/status.h"

namespace switchyard {

struct HistoryCommand {
  std::string path;      // the history file
  std::string what;      // fallbacks, breakers, latency, cost, answers
  int64_t since_ms = 0;  // fallbacks, breakers, latency: this far back from now
  std::string model;     // latency: one model (empty: all)
  int64_t days = 7;      // cost: today and the days before it
  std::string route;     // answers: one route (empty: all)
  int64_t limit = 20;    // answers: the newest this many
  bool json = false;
  int64_t now_ms = 0;  // wall clock; 0: now
};

// Prints the answer to `out`, or a message naming the file and what is wrong to `err`.
// Returns the exit code: 0, or 1 when the file cannot answer (missing, not a history, a
// schema newer than this switchyard knows or too old for the question).
int RunHistoryCommand(const HistoryCommand& c, std::FILE* out, std::FILE* err);

// "90s", "30m", "1h", "7d" (a bare number is seconds).
Status ParseDuration(std::string_view text, int64_t* ms);

}  // namespace switchyard
