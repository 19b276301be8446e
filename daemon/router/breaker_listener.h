// What the router tells the fleet (fleet/fleet.h) of its breakers, and no more: the router
// knows nothing of Redis, and the fleet nothing of walks.
#pragma once

#include <cstdint>
#include <string>

#include "resilience/breaker.h"

namespace switchyard {

class BreakerListener {
 public:
  virtual ~BreakerListener() = default;
  // A breaker moved because of calls made here (not because another host said so). For
  // open: until `open_until_wall_ms`, with `cooldown_ms` before jitter.
  virtual void BreakerMoved(const std::string& model, const BreakerTransition& t,
                            int64_t open_until_wall_ms, int64_t cooldown_ms) = 0;
  // A held breaker's cool-down is over and a request would have probed it.
  virtual void TurnWanted(const std::string& model) = 0;
};

}  // namespace switchyard
