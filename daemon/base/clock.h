// Time as the rest of the daemon sees it. Pure logic takes times as arguments; the few
// places that read the time take a Clock so tests can move it by hand.
#pragma once

#include <cstdint>

namespace switchyard {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic milliseconds, for durations and deadlines. Never goes backwards.
  virtual int64_t NowMs() const = 0;
  // Wall-clock milliseconds since the Unix epoch, for what is written to history.
  virtual int64_t WallMs() const = 0;
};

class RealClock final : public Clock {
 public:
  int64_t NowMs() const override;
  int64_t WallMs() const override;
  // Monotonic microseconds, for latency measurement finer than a millisecond.
  static int64_t NowUs();
};

}  // namespace switchyard
