// Turning a real libuv loop from a test's own thread until a condition holds, for tests of
// the socket servers (a client socket is read without blocking in between).
#pragma once

#include <uv.h>

#include <chrono>
#include <functional>

namespace switchyard {

// Runs `loop` until `ready` holds; false if it still does not after `seconds`.
inline bool RunLoopUntil(uv_loop_t* loop, const std::function<bool()>& ready, int seconds = 2) {
  uv_timer_t tick;
  uv_timer_init(loop, &tick);
  uv_timer_start(
      &tick, [](uv_timer_t*) {}, 1, 1);  // a wake-up now and then
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  bool ok = false;
  while (!(ok = ready()) && std::chrono::steady_clock::now() < until) {
    uv_run(loop, UV_RUN_ONCE);
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
  uv_run(loop, UV_RUN_NOWAIT);
  return ok;
}

}  // namespace switchyard
