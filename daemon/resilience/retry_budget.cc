#include "resilience/retry_budget.h"

#include <algorithm>

namespace switchyard {

RetryBudget::Slice& RetryBudget::Current(int64_t now_ms) {
  int64_t slice_ms = std::max<int64_t>(1, params_.window_ms / kSlices);
  int64_t id = now_ms / slice_ms;
  for (Slice& s : slices_) {
    if (s.id != INT64_MIN && s.id <= id - kSlices) s = Slice();
  }
  Slice& s = slices_[static_cast<size_t>(((id % kSlices) + kSlices) % kSlices)];
  if (s.id != id) {
    s = Slice();
    s.id = id;
  }
  return s;
}

void RetryBudget::RecordRequest(int64_t now_ms) { ++Current(now_ms).requests; }

bool RetryBudget::TryRetry(int64_t now_ms) {
  Slice& cur = Current(now_ms);
  int64_t requests = 0, retries = 0;
  for (const Slice& s : slices_) {
    requests += s.requests;
    retries += s.retries;
  }
  double allowed = std::max<double>(static_cast<double>(params_.min_retries),
                                    params_.percent / 100.0 * static_cast<double>(requests));
  if (static_cast<double>(retries) + 1 > allowed) return false;
  ++cur.retries;
  return true;
}

}  // namespace switchyard
