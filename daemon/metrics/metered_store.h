// The history's store, with the metrics counted on the way: every request, probe and
// breaker transition the router hands the history also feeds Metrics, so the two tell the
// same story. With the history off, `inner` is null and only the metrics are kept.
#pragma once

#include "metrics/metrics.h"
#include "store/store.h"

namespace switchyard {

class MeteredStore final : public Store {
 public:
  // Both must outlive it; `inner` may be null.
  MeteredStore(Store* inner, Metrics* metrics) : inner_(inner), metrics_(metrics) {}

  void RecordRequest(RequestRecord&& r) override;
  void RecordBreakerTransition(BreakerTransitionRecord&& t) override;
  void RecordProbe(int64_t request_id, const std::string& route, const std::string& task,
                   AttemptRecord&& a) override;
  void RecordFallbackAnswer(FallbackAnswerRecord&& a) override {
    if (inner_) inner_->RecordFallbackAnswer(std::move(a));
  }
  StoreStats Stats() const override { return inner_ ? inner_->Stats() : StoreStats{}; }

 private:
  Store* inner_;
  Metrics* metrics_;
};

}  // namespace switchyard
