// Envoy-style retry budget: same-model retries may be at most `percent` of the requests
// seen over the last window (and always at least `min_retries` per window, so a quiet
// daemon can still retry). A burst of failures then cannot multiply the load on a provider
// that is already struggling.
#pragma once

#include <cstdint>

namespace switchyard {

struct RetryBudgetParams {
  double percent = 20;
  int64_t min_retries = 3;
  int64_t window_ms = 10000;
};

class RetryBudget {
 public:
  explicit RetryBudget(const RetryBudgetParams& p) : params_(p) {}

  void RecordRequest(int64_t now_ms);
  // True, and counted, if a retry fits the budget now.
  bool TryRetry(int64_t now_ms);
  void set_params(const RetryBudgetParams& p) { params_ = p; }

 private:
  static constexpr int kSlices = 10;
  struct Slice {
    int64_t id = INT64_MIN;
    int64_t requests = 0;
    int64_t retries = 0;
  };
  Slice& Current(int64_t now_ms);

  RetryBudgetParams params_;
  Slice slices_[kSlices];
};

}  // namespace switchyard
