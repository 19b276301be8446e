// A Store that keeps what it is given, for tests of the router.
#pragma once

#include <string>
#include <vector>

#include "store/store.h"

namespace switchyard {

class MemoryStore final : public Store {
 public:
  void RecordRequest(RequestRecord&& r) override { requests.push_back(std::move(r)); }
  void RecordBreakerTransition(BreakerTransitionRecord&& t) override {
    transitions.push_back(std::move(t));
  }
  void RecordProbe(int64_t request_id, const std::string& route, const std::string& task,
                   AttemptRecord&& a) override {
    probes.push_back({request_id, route, task, std::move(a)});
  }
  void RecordFallbackAnswer(FallbackAnswerRecord&& a) override { answers.push_back(std::move(a)); }
  StoreStats Stats() const override { return {}; }

  struct Probe {
    int64_t request_id;
    std::string route;
    std::string task;
    AttemptRecord attempt;
  };
  std::vector<RequestRecord> requests;
  std::vector<Probe> probes;
  std::vector<BreakerTransitionRecord> transitions;
  std::vector<FallbackAnswerRecord> answers;
};

}  // namespace switchyard
