#include "resilience/breaker.h"

#include <algorithm>
#include <cstdio>

namespace switchyard {
namespace {

std::string Percent(double share) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", share * 100);
  return buf;
}

}  // namespace

const char* BreakerStateName(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

Breaker::Breaker(const BreakerParams& params, uint64_t seed)
    : params_(params), rng_(seed), cooldown_ms_(params.cooldown_ms) {}

int64_t Breaker::Jittered(int64_t ms) {
  if (params_.jitter <= 0) return ms;
  std::uniform_real_distribution<double> d(1.0 - params_.jitter, 1.0 + params_.jitter);
  return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(ms) * d(rng_)));
}

void Breaker::ResetWindow() {
  for (Slice& s : slices_) s = Slice();
  calls_ = failures_ = slow_ = 0;
  run_errors_ = run_cutoffs_ = 0;
}

void Breaker::Advance(int64_t now_ms) {
  int64_t slice_ms = std::max<int64_t>(1, params_.window_ms / kSlices);
  int64_t current = now_ms / slice_ms;
  for (Slice& s : slices_) {
    if (s.id != INT64_MIN && s.id <= current - kSlices) {
      calls_ -= s.calls;
      failures_ -= s.failures;
      slow_ -= s.slow;
      s = Slice();
    }
  }
}

int64_t Breaker::calls(int64_t now_ms) {
  Advance(now_ms);
  return calls_;
}

double Breaker::failure_rate(int64_t now_ms) {
  Advance(now_ms);
  return calls_ ? static_cast<double>(failures_) / static_cast<double>(calls_) : 0;
}

double Breaker::slow_rate(int64_t now_ms) {
  Advance(now_ms);
  return calls_ ? static_cast<double>(slow_) / static_cast<double>(calls_) : 0;
}

BreakerTransition Breaker::Open(int64_t now_ms, int64_t duration_ms, std::string reason) {
  BreakerTransition t;
  t.happened = true;
  t.from = state_;
  t.to = BreakerState::kOpen;
  t.reason = std::move(reason);
  state_ = BreakerState::kOpen;
  open_until_ms_ = now_ms + duration_ms;
  t.open_until_ms = open_until_ms_;
  probes_in_flight_ = 0;
  ResetWindow();
  return t;
}

BreakerTransition Breaker::OpenUntil(int64_t now_ms, int64_t open_until_ms, int64_t cooldown_ms,
                                     std::string reason) {
  cooldown_ms_ = std::max(cooldown_ms_, std::min(cooldown_ms, params_.max_cooldown_ms));
  if (state_ != BreakerState::kOpen) return Open(now_ms, open_until_ms - now_ms, std::move(reason));
  if (open_until_ms <= open_until_ms_) return {};
  // Open already, and now for longer (another host's probe failed): the same state, but a
  // verdict the history keeps.
  open_until_ms_ = open_until_ms;
  BreakerTransition t;
  t.happened = true;
  t.from = t.to = BreakerState::kOpen;
  t.reason = std::move(reason);
  t.open_until_ms = open_until_ms_;
  return t;
}

BreakerTransition Breaker::Reset(std::string reason) {
  if (state_ == BreakerState::kClosed) return {};
  probes_in_flight_ = 0;
  return Close(std::move(reason));
}

BreakerTransition Breaker::Close(std::string reason) {
  BreakerTransition t;
  t.happened = true;
  t.from = state_;
  t.to = BreakerState::kClosed;
  t.reason = std::move(reason);
  state_ = BreakerState::kClosed;
  cooldown_ms_ = params_.cooldown_ms;
  probes_in_flight_ = 0;
  ResetWindow();
  return t;
}

bool Breaker::Allow(int64_t now_ms, BreakerTransition* t) {
  if (state_ == BreakerState::kClosed) return true;
  if (state_ == BreakerState::kOpen) {
    if (now_ms < open_until_ms_ || held_) return false;
    if (t) {
      t->happened = true;
      t->from = BreakerState::kOpen;
      t->to = BreakerState::kHalfOpen;
      t->reason = "cool-down of " + std::to_string(cooldown_ms_) + " ms over; probing";
    }
    state_ = BreakerState::kHalfOpen;
    probes_in_flight_ = 0;
  }
  if (probes_in_flight_ >= params_.half_open_probes) return false;
  ++probes_in_flight_;
  return true;
}

bool Breaker::WouldAllow(int64_t now_ms) const {
  switch (state_) {
    case BreakerState::kClosed:
      return true;
    case BreakerState::kOpen:
      return now_ms >= open_until_ms_ && !held_ && params_.half_open_probes > 0;
    case BreakerState::kHalfOpen:
      return probes_in_flight_ < params_.half_open_probes;
  }
  return false;
}

void Breaker::Release() {
  if (state_ == BreakerState::kHalfOpen && probes_in_flight_ > 0) --probes_in_flight_;
}

bool Breaker::RunIsLongEnough() const {
  // errors / consecutive_failures + cut-offs / consecutive_timeouts >= 1, in integers.
  return run_errors_ * params_.consecutive_timeouts + run_cutoffs_ * params_.consecutive_failures >=
         params_.consecutive_failures * params_.consecutive_timeouts;
}

std::string Breaker::RunReason() const {
  if (run_cutoffs_ == 0) return std::to_string(run_errors_) + " consecutive failures";
  if (run_errors_ == 0) return std::to_string(run_cutoffs_) + " calls in a row timed out";
  return std::to_string(run_errors_ + run_cutoffs_) + " calls in a row failed (" +
         std::to_string(run_errors_) + ") or timed out (" + std::to_string(run_cutoffs_) + ")";
}

BreakerTransition Breaker::Record(int64_t now_ms, CallResult result, int64_t retry_after_ms) {
  bool rate_limited = retry_after_ms >= 0 && result == CallResult::kFailure;
  if (state_ == BreakerState::kOpen) {
    // A call that started before the breaker opened. Only a longer Retry-After matters.
    if (rate_limited && now_ms + retry_after_ms > open_until_ms_)
      open_until_ms_ = now_ms + retry_after_ms;
    return {};
  }
  if (state_ == BreakerState::kHalfOpen) {
    if (probes_in_flight_ > 0) --probes_in_flight_;
    if (result == CallResult::kSuccess) return Close("probe succeeded");
    // A slow answer is not a recovery: closing on it would let a struggling model flap.
    cooldown_ms_ = std::min<int64_t>(
        static_cast<int64_t>(static_cast<double>(cooldown_ms_) * params_.cooldown_multiplier),
        params_.max_cooldown_ms);
    int64_t d = Jittered(cooldown_ms_);
    if (rate_limited) d = std::max(d, retry_after_ms);
    return Open(now_ms, d,
                std::string("probe ") + (result == CallResult::kFailure ? "failed" : "was slow") +
                    "; cool-down now " + std::to_string(cooldown_ms_) + " ms");
  }
  Advance(now_ms);
  int64_t slice_ms = std::max<int64_t>(1, params_.window_ms / kSlices);
  int64_t id = now_ms / slice_ms;
  Slice& s = slices_[static_cast<size_t>(((id % kSlices) + kSlices) % kSlices)];
  if (s.id != id) {
    calls_ -= s.calls;
    failures_ -= s.failures;
    slow_ -= s.slow;
    s = Slice();
    s.id = id;
  }
  bool failed = result == CallResult::kFailure;
  bool slow = result == CallResult::kSlow || result == CallResult::kSlowSuccess;
  ++s.calls;
  ++calls_;
  if (failed) {
    ++s.failures;
    ++failures_;
  }
  if (slow) {
    ++s.slow;
    ++slow_;
  }
  if (failed) {
    ++run_errors_;
  } else if (result == CallResult::kSlow) {
    ++run_cutoffs_;
  } else {
    run_errors_ = run_cutoffs_ = 0;
  }

  if (rate_limited) {
    // "At least that long": Retry-After is honoured as given, not shortened by jitter.
    return Open(now_ms, std::max<int64_t>(retry_after_ms, 1),
                "rate limited: Retry-After " + std::to_string(retry_after_ms) + " ms");
  }
  if (RunIsLongEnough()) return Open(now_ms, Jittered(cooldown_ms_), RunReason());
  if (calls_ >= params_.min_calls) {
    double fr = static_cast<double>(failures_) / static_cast<double>(calls_);
    double sr = static_cast<double>(slow_) / static_cast<double>(calls_);
    if (fr >= params_.failure_rate) {
      return Open(now_ms, Jittered(cooldown_ms_),
                  "failure rate " + Percent(fr) + " over " + std::to_string(calls_) + " calls");
    }
    if (sr >= params_.slow_rate) {
      return Open(now_ms, Jittered(cooldown_ms_),
                  "slow-call rate " + Percent(sr) + " over " + std::to_string(calls_) + " calls");
    }
  }
  return {};
}

void Breaker::RestoreOpen(int64_t open_until_ms, int64_t cooldown_ms) {
  state_ = BreakerState::kOpen;
  open_until_ms_ = open_until_ms;
  cooldown_ms_ = std::max<int64_t>(cooldown_ms, params_.cooldown_ms);
  probes_in_flight_ = 0;
  ResetWindow();
}

}  // namespace switchyard
