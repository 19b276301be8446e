// A Store that keeps what it is given, for tests of the router.
#pragma once

#include <vector>

#include "store/store.h"

namespace switchyard {

class MemoryStore final : public Store {
 public:
  void RecordRequest(RequestRecord&& r) override { requests.push_back(std::move(r)); }
  void RecordBreakerTransition(BreakerTransitionRecord&& t) override {
    transitions.push_back(std::move(t));
  }
  StoreStats Stats() const override { return {}; }

  std::vector<RequestRecord> requests;
  std::vector<BreakerTransitionRecord> transitions;
};

}  // namespace switchyard
