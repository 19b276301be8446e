// Delays between attempts to reach something that is down: from `first_ms`, doubling up to
// `max_ms`, each with +-20% jitter so that a fleet of hosts that lost Redis together does
// not come back in lockstep. Reset() after a success. Pure: the caller keeps the time.
#pragma once

#include <cstdint>
#include <random>

namespace switchyard {

class Backoff {
 public:
  Backoff(int64_t first_ms, int64_t max_ms, uint64_t seed)
      : first_ms_(first_ms), max_ms_(max_ms), rng_(seed) {}

  // The wait before the next attempt; each call doubles the one after it.
  int64_t Next();
  void Reset() { attempts_ = 0; }
  int attempts() const { return attempts_; }

 private:
  int64_t first_ms_;
  int64_t max_ms_;
  int attempts_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace switchyard
