// Timers on a libuv loop. Each timer is its own uv_timer_t, freed in its close callback as
// libuv requires; Stop() after the timer fired is a no-op.
#pragma once

#include <uv.h>

#include <unordered_map>

#include "base/timers.h"

namespace switchyard {

class UvTimers final : public Timers {
 public:
  // `loop` must outlive this object; call only from the loop's thread.
  explicit UvTimers(uv_loop_t* loop) : loop_(loop) {}
  ~UvTimers() override;
  UvTimers(const UvTimers&) = delete;
  UvTimers& operator=(const UvTimers&) = delete;

  Id Start(int64_t delay_ms, std::function<void()> fn) override;
  void Stop(Id id) override;
  // Stops every pending timer (their functions never run); for shutdown.
  void StopAll();

 private:
  struct Entry;
  static void OnFire(uv_timer_t* handle);
  static void OnClosed(uv_handle_t* handle);

  uv_loop_t* loop_;
  Id next_id_ = 1;
  std::unordered_map<Id, Entry*> live_;
};

}  // namespace switchyard
