#include "base/log_limiter.h"

#include <vector>

namespace switchyard {

bool LogLimiter::Allow(std::string_view key, int64_t now_ms, int64_t* held_back,
                       spdlog::level::level_enum level) {
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) it = entries_.emplace(std::string(key), Entry{now_ms}).first;
  Entry& e = it->second;
  if (now_ms - e.window_start >= window_ms_) {
    e.window_start = now_ms;
    e.written = 0;
  }
  if (e.written >= burst_) {
    if (e.held_back == 0 || level > e.level) e.level = level;
    ++e.held_back;
    return false;
  }
  ++e.written;
  *held_back = e.held_back;
  e.held_back = 0;
  return true;
}

void LogLimiter::SayHeldBack(spdlog::level::level_enum level, std::string_view key,
                             int64_t n) const {
  spdlog::log(level, "{} more line(s) like \"{}\" were not logged (at most {} every {} ms)", n,
              key, burst_, window_ms_);
}

void LogLimiter::FlushHeldBack(int64_t now_ms, bool all) {
  std::vector<std::string> quiet;
  for (auto& [key, e] : entries_) {
    if (!all && now_ms - e.window_start < window_ms_) continue;
    if (e.held_back > 0) {
      SayHeldBack(e.level, key, e.held_back);
      e.held_back = 0;
      e.window_start = now_ms;  // what comes next may write its burst again
      e.written = 0;
    } else {
      quiet.push_back(key);
    }
  }
  for (const std::string& key : quiet) entries_.erase(key);
}

}  // namespace switchyard
