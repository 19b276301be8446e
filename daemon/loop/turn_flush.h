// Answers written once a turn of the loop has read everything that was ready.
//
// A server that wrote each answer the moment it was made would leave a request read later
// in the same turn waiting behind every write (and every client's wake-up) before it got
// going. So the servers mark the connections they queued bytes for, and this writes them
// out after the turn's I/O callbacks (a check handle) and before the loop waits again (a
// prepare handle, for what timers and other callbacks queued). Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace switchyard {

class TurnFlush {
 public:
  // `flush(id)` writes what connection `id` has queued; `before`, if set, runs first each
  // time there is anything to write (the history's journal), and `after` last (tidying
  // that no answer should wait behind).
  TurnFlush(uv_loop_t* loop, std::function<void()> before, std::function<void(uint64_t)> flush,
            std::function<void()> after = nullptr);
  TurnFlush(const TurnFlush&) = delete;
  TurnFlush& operator=(const TurnFlush&) = delete;

  // Connection `id` has bytes queued; once per flush is enough (more is harmless).
  void Mark(uint64_t id) { marked_.push_back(id); }
  // Writes every marked connection now.
  void Run();
  // Runs a last time and closes the handles; the loop must run afterwards for them to close.
  void Close();

 private:
  uv_prepare_t prepare_;
  uv_check_t check_;
  std::function<void()> before_;
  std::function<void(uint64_t)> flush_;
  std::function<void()> after_;
  std::vector<uint64_t> marked_;
  bool closed_ = false;
};

}  // namespace switchyard
