// A Clock whose time moves only when a test says so.
#pragma once

#include <atomic>
#include <cstdint>

#include "base/clock.h"

namespace switchyard {

class FakeClock final : public Clock {
 public:
  int64_t NowMs() const override { return now_ms_; }
  int64_t WallMs() const override { return 1'700'000'000'000 + now_ms_; }
  void Advance(int64_t ms) { now_ms_ += ms; }

 private:
  // Atomic: a test may move it while a thread under test (the history's writer) reads it.
  std::atomic<int64_t> now_ms_{1000};
};

}  // namespace switchyard
