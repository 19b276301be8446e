// A request's record of what it tried: every attempt in the order it began (model calls,
// and tiers passed over without one), and every move from one model to the next (a
// fallback, with the reason the walk moved on). The walk writes it as it goes; at the end it
// becomes what the client is told and what the history keeps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "router/attempt.h"
#include "store/store.h"
#include "wire/outcome.h"

namespace switchyard {

class AttemptLog {
 public:
  // A tier passed over at `wall_ms` (breaker open, no slot, prompt too long).
  void Skipped(const std::string& model, Outcome why, std::string reason, int64_t wall_ms);
  // A call began; returns its index (its `seq`).
  int64_t Began(Attempt a);
  // The walk is moving on from `from`, for `reason`: whatever model comes next is a fallback.
  void MovingOn(const std::string& from, std::string reason, std::string detail, int64_t wall_ms);

  Attempt& at(int64_t seq) { return attempts_[static_cast<size_t>(seq)]; }
  const Attempt& at(int64_t seq) const { return attempts_[static_cast<size_t>(seq)]; }
  const Attempt* last() const { return attempts_.empty() ? nullptr : &attempts_.back(); }
  int64_t attempt_count() const { return static_cast<int64_t>(attempts_.size()); }

  std::vector<AttemptReport> Reports() const;
  // The attempts and fallbacks rows of the history's record.
  void Fill(RequestRecord* r) const;

 private:
  // Called as a model is tried (or passed over): if the walk was moving on from another
  // model, that move is a fallback.
  void Reached(const std::string& model);

  std::vector<Attempt> attempts_;
  std::vector<FallbackRecord> fallbacks_;
  FallbackRecord moving_on_;  // from_model set: the next model starts a fallback
};

}  // namespace switchyard
