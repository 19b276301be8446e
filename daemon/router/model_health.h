// What the daemon knows of one model's health, shared by every request and kept across
// config reloads: its circuit breaker and the calls on it in flight. Outcomes in, breaker
// transitions out, the time passed in (as Envoy's outlier detector takes its results): the
// walks tell it how each call ended; it decides what that says about the model.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "resilience/breaker.h"
#include "wire/outcome.h"

namespace switchyard {

class ModelHealth {
 public:
  ModelHealth(const BreakerParams& params, uint64_t seed) : breaker_(params, seed) {}
  void set_params(const BreakerParams& params) { breaker_.set_params(params); }

  // Whether a call may go at `now_ms`. A move the asking caused (open to half-open) comes
  // back in *moved. An admitted call must be Started(), or handed back with Unadmit().
  // A breaker held for the fleet (resilience/breaker.h) whose cool-down is over asks for its
  // turn to probe through `on_turn_wanted`, and says no meanwhile: the request moves on.
  bool Admit(int64_t now_ms, BreakerTransition* moved) {
    if (breaker_.AwaitsTurn(now_ms) && on_turn_wanted_) on_turn_wanted_();
    return breaker_.Allow(now_ms, moved);
  }
  void set_on_turn_wanted(std::function<void()> fn) { on_turn_wanted_ = std::move(fn); }
  void Unadmit() { breaker_.Release(); }
  // Why Admit said no, for the skipped attempt's reason.
  std::string Refusal(int64_t now_ms) const;

  void Started() { ++in_flight_; }
  // A call ended with `outcome`; `past_soft`: it overran its soft timeout and was kept (a
  // hedge), so even an answer counts as slow. `retry_after_ms` (-1: none) keeps a breaker
  // a rate limit opened open at least that long. Returns the move the breaker made, if any.
  BreakerTransition Ended(int64_t now_ms, Outcome outcome, bool past_soft,
                          int64_t retry_after_ms = -1);
  // A call abandoned before it ended (it lost a race, its client left, shutdown): slow if it
  // had overrun its soft timeout, else it says nothing about the model.
  BreakerTransition Abandoned(int64_t now_ms, bool past_soft);

  // An open breaker saved before a restart: open until `open_until_ms` (this clock).
  void RestoreOpen(int64_t open_until_ms, int64_t cooldown_ms) {
    breaker_.RestoreOpen(open_until_ms, cooldown_ms);
  }

  Breaker& breaker() { return breaker_; }
  int64_t in_flight() const { return in_flight_; }

 private:
  Breaker breaker_;
  int64_t in_flight_ = 0;
  std::function<void()> on_turn_wanted_;
};

}  // namespace switchyard
