#include "resilience/latency_window.h"

#include <algorithm>
#include <cmath>

namespace switchyard {
namespace {

constexpr double kGrowth = 1.03;
const double kLogGrowth = std::log(kGrowth);

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

int LatencyHistogram::BucketOf(double ms) {
  if (!(ms >= 1.0)) return 0;
  int b = 1 + static_cast<int>(std::log(ms) / kLogGrowth);
  return std::min(b, kBuckets - 1);
}

double LatencyHistogram::ValueOf(int bucket) {
  if (bucket <= 0) return 0.5;
  // Bucket b holds [g^(b-1), g^b).
  return std::exp((static_cast<double>(bucket) - 0.5) * kLogGrowth);
}

void LatencyHistogram::Subtract(const LatencyHistogram& other) {
  for (int i = 0; i < kBuckets; ++i) counts_[i] -= other.counts_[i];
  total_ -= other.total_;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
}

void LatencyHistogram::Clear() {
  counts_.fill(0);
  total_ = 0;
}

double LatencyHistogram::Quantile(double q) const {
  if (total_ == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_)));
  rank = std::clamp<uint64_t>(rank, 1, total_);
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) return ValueOf(i);
  }
  return ValueOf(kBuckets - 1);
}

LatencyWindow::LatencyWindow(int64_t window_ms)
    : window_ms_(std::max<int64_t>(window_ms, kSlices)),
      slice_ms_((window_ms_ + kSlices - 1) / kSlices),
      slices_(kSlices + 1),
      slice_ids_(kSlices + 1, INT64_MIN),
      slice_censored_(kSlices + 1) {}

void LatencyWindow::Advance(int64_t now_ms) {
  int64_t current = FloorDiv(now_ms, slice_ms_);
  if (current <= newest_slice_) return;
  // Expire every slice that fell out: those older than current - kSlices.
  for (size_t i = 0; i < slices_.size(); ++i) {
    if (slice_ids_[i] != INT64_MIN && slice_ids_[i] < current - kSlices) {
      sum_.Subtract(slices_[i]);
      slices_[i].Clear();
      slice_ids_[i] = INT64_MIN;
      censored_.Subtract(slice_censored_[i]);
      slice_censored_[i].Clear();
    }
  }
  newest_slice_ = current;
}

void LatencyWindow::Add(int64_t now_ms, double latency_ms, bool censored) {
  Advance(now_ms);
  int64_t id = FloorDiv(now_ms, slice_ms_);
  if (id < newest_slice_ - kSlices) return;  // older than the window: already expired
  size_t idx = static_cast<size_t>(((id % (kSlices + 1)) + (kSlices + 1)) % (kSlices + 1));
  if (slice_ids_[idx] != id) {
    sum_.Subtract(slices_[idx]);
    slices_[idx].Clear();
    slice_ids_[idx] = id;
    censored_.Subtract(slice_censored_[idx]);
    slice_censored_[idx].Clear();
  }
  int b = LatencyHistogram::BucketOf(latency_ms);
  slices_[idx].Add(b);
  sum_.Add(b);
  if (censored) {
    slice_censored_[idx].Add(b);
    censored_.Add(b);
  }
}

uint64_t LatencyWindow::Censored(int64_t now_ms) {
  Advance(now_ms);
  return censored_.count();
}

uint64_t LatencyWindow::Count(int64_t now_ms) {
  Advance(now_ms);
  return sum_.count();
}

double KaplanMeierQuantile(const LatencyHistogram& all, const LatencyHistogram& censored,
                           double q) {
  if (censored.count() == 0) return all.count() ? all.Quantile(q) : -1;
  // Kaplan-Meier over the buckets: in each, the answers end first, then the cut-offs leave
  // the samples still running.
  constexpr double kSlack = 1e-9;
  double survival = 1;
  uint64_t running = all.count();
  for (int b = 0; b < LatencyHistogram::kBuckets && running > 0; ++b) {
    uint32_t n = all.at(b);
    uint32_t answered = n - censored.at(b);
    if (answered > 0) {
      survival *= 1 - static_cast<double>(answered) / static_cast<double>(running);
      if (survival <= 1 - q + kSlack) return LatencyHistogram::ValueOf(b);
    }
    running -= n;
  }
  return -1;
}

double LatencyWindow::KnownQuantile(int64_t now_ms, double q) {
  Advance(now_ms);
  return KaplanMeierQuantile(sum_, censored_, q);
}

void LatencyWindow::Export(int64_t now_ms, LatencyHistogram* all, LatencyHistogram* censored) {
  Advance(now_ms);
  *all = sum_;
  *censored = censored_;
}

double LatencyWindow::Quantile(int64_t now_ms, double q) {
  double known = KnownQuantile(now_ms, q);
  return known >= 0 ? known : sum_.Quantile(q);
}

}  // namespace switchyard
