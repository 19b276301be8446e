// One-shot timers, the seam between logic that waits (the router) and the event loop.
// The daemon uses UvTimers (loop/uv_timers.h); tests use FakeTimers and fire them by hand.
#pragma once

#include <cstdint>
#include <functional>

namespace switchyard {

class Timers {
 public:
  using Id = uint64_t;
  virtual ~Timers() = default;
  // Runs `fn` once, `delay_ms` from now, on the loop thread. Never returns 0.
  virtual Id Start(int64_t delay_ms, std::function<void()> fn) = 0;
  // Cancels a timer that has not fired; a no-op for one that fired or was stopped.
  virtual void Stop(Id id) = 0;
};

}  // namespace switchyard
