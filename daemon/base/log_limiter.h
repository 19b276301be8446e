// Keeps a flood of alike lines out of the log. A client that sends 50,000 requests that all
// fail would otherwise write a warning or two for each: megabytes that bury what matters
// and fill a disk. Lines are grouped by a key (their kind, route and model, say); each key
// may write `burst` lines in any `window_ms`, the rest are counted, and the count is written
// as one line ("37 more like ... in 1000 ms") before the key's next line, or by
// FlushHeldBack once the key goes quiet.
//
// Time is passed in; loop thread only.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace switchyard {

class LogLimiter {
 public:
  explicit LogLimiter(int64_t window_ms = 1000, int64_t burst = 3)
      : window_ms_(window_ms), burst_(burst) {}

  // Whether a line of `key` may be written at `now_ms`. When it may, `*held_back` is how many
  // of that key were not since the last one that was. `level` is the line's: a count is
  // written at the highest level of the lines it stands for.
  bool Allow(std::string_view key, int64_t now_ms, int64_t* held_back,
             spdlog::level::level_enum level = spdlog::level::info);

  // Writes the line (spdlog's format) unless its key is over its rate.
  template <typename... Args>
  void Log(int64_t now_ms, spdlog::level::level_enum level, std::string_view key,
           spdlog::format_string_t<Args...> fmt, Args&&... args) {
    if (!spdlog::should_log(level)) return;
    int64_t held_back = 0;
    if (!Allow(key, now_ms, &held_back, level)) return;
    if (held_back > 0) SayHeldBack(level, key, held_back);
    spdlog::log(level, fmt, std::forward<Args>(args)...);
  }

  // Writes the count for each key whose lines were held back and whose window is over (every
  // key's, with `all`: at shutdown), and forgets keys quiet for a window. Call now and then
  // (once a second).
  void FlushHeldBack(int64_t now_ms, bool all = false);

 private:
  struct Entry {
    int64_t window_start = 0;
    int64_t written = 0;    // in this window
    int64_t held_back = 0;  // since the last line written
    spdlog::level::level_enum level = spdlog::level::info;
  };
  void SayHeldBack(spdlog::level::level_enum level, std::string_view key, int64_t n) const;

  int64_t window_ms_;
  int64_t burst_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace switchyard
