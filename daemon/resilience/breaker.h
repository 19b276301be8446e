// A circuit breaker for one model endpoint: outcomes in, transitions out. Pure logic; the
// caller passes the time, so tests move it by hand.
//
//   closed ──(failure rate, slow-call rate or a run of failures; or a 429 with Retry-After)──▶ open
//
// A run of calls without an answer opens it: consecutive_failures errors, or
// consecutive_timeouts cut-offs (longer), or a mix weighed by those (an error counts
// 1/consecutive_failures of the way, a cut-off 1/consecutive_timeouts). An error comes fast
// and says the model is down; cut-offs of calls that ran together land together, so a model
// that hangs one call in five gives short runs of them while it answers the rest.
//   open ──(cool-down passed)──▶ half_open ──(probe succeeds)──▶ closed
//                                  └──────(probe fails)──▶ open, with a longer cool-down
//
// Rates are over a sliding time window and count only once the window holds min_calls.
// The cool-down grows by cooldown_multiplier (up to max_cooldown_ms) each time a probe
// fails, with +-jitter so that breakers of many models do not probe in lockstep, and resets
// when the breaker closes. Half-open lets half_open_probes calls through at once.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace switchyard {

struct BreakerParams {
  int64_t window_ms = 30000;
  int64_t min_calls = 10;
  double failure_rate = 0.5;
  double slow_rate = 0.8;
  int64_t consecutive_failures = 5;   // errors in a row
  int64_t consecutive_timeouts = 10;  // errors or cut-offs in a row
  int64_t cooldown_ms = 5000;
  double cooldown_multiplier = 2.0;
  int64_t max_cooldown_ms = 60000;
  double jitter = 0.2;
  int64_t half_open_probes = 1;
};

enum class BreakerState { kClosed, kOpen, kHalfOpen };
const char* BreakerStateName(BreakerState s);

enum class CallResult {
  kSuccess,
  kSlowSuccess,  // answered, but after its soft timeout
  kSlow,         // cut off at its timeout
  kFailure,      // error, reset, 5xx, 429, garbage
};

struct BreakerTransition {
  bool happened = false;
  BreakerState from = BreakerState::kClosed;
  BreakerState to = BreakerState::kClosed;
  std::string reason;
  int64_t open_until_ms = 0;  // for to == kOpen
};

class Breaker {
 public:
  Breaker(const BreakerParams& params, uint64_t seed);

  // May a call start now? In half-open this takes a probe slot, which Record() or Release()
  // gives back. Moving from open to half-open is reported in `t`.
  bool Allow(int64_t now_ms, BreakerTransition* t);
  // Whether Allow would say yes now, without taking anything or moving.
  bool WouldAllow(int64_t now_ms) const;
  // A finished call. `retry_after_ms` >= 0 for a 429 that said how long to wait.
  BreakerTransition Record(int64_t now_ms, CallResult result, int64_t retry_after_ms = -1);
  // A call that started but ended without a verdict (cancelled); frees its probe slot.
  void Release();
  // Closes it whatever its state (a model found slower, not dead: router/prober.h).
  BreakerTransition Reset(std::string reason);
  // Restores an open state saved before a restart.
  void RestoreOpen(int64_t open_until_ms, int64_t cooldown_ms);

  // Opened by another host of the fleet, until `open_until_ms` (this clock), with its
  // cool-down (before jitter). Already open: it stays so until the later of the two, with the
  // longer cool-down; a later time is reported as a move from open to open.
  BreakerTransition OpenUntil(int64_t now_ms, int64_t open_until_ms, int64_t cooldown_ms,
                              std::string reason);
  // Held, an open breaker whose cool-down is over stays open: one host of a fleet probes at a
  // time, and this one has not been given the turn (fleet/fleet.h).
  void Hold(bool held) { held_ = held; }
  // Open, its cool-down over, held: what a probe lease would let through.
  bool AwaitsTurn(int64_t now_ms) const {
    return held_ && state_ == BreakerState::kOpen && now_ms >= open_until_ms_;
  }

  BreakerState state() const { return state_; }
  int64_t open_until_ms() const { return open_until_ms_; }
  int64_t cooldown_ms() const { return cooldown_ms_; }
  // Over the window: calls, and the failure and slow-call shares of them.
  int64_t calls(int64_t now_ms);
  double failure_rate(int64_t now_ms);
  double slow_rate(int64_t now_ms);
  void set_params(const BreakerParams& p) { params_ = p; }

 private:
  static constexpr int kSlices = 10;
  struct Slice {
    int64_t id = INT64_MIN;
    int64_t calls = 0;
    int64_t failures = 0;
    int64_t slow = 0;
  };
  void Advance(int64_t now_ms);
  BreakerTransition Open(int64_t now_ms, int64_t duration_ms, std::string reason);
  BreakerTransition Close(std::string reason);
  int64_t Jittered(int64_t ms);
  bool RunIsLongEnough() const;
  std::string RunReason() const;
  void ResetWindow();

  BreakerParams params_;
  std::mt19937_64 rng_;
  BreakerState state_ = BreakerState::kClosed;
  int64_t open_until_ms_ = 0;
  int64_t cooldown_ms_;
  // Errors and cut-offs since the last answer.
  int64_t run_errors_ = 0;
  int64_t run_cutoffs_ = 0;
  int64_t probes_in_flight_ = 0;
  bool held_ = false;
  Slice slices_[kSlices];
  int64_t calls_ = 0, failures_ = 0, slow_ = 0;  // sums over live slices
};

}  // namespace switchyard
