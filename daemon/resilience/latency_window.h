// Latency over a sliding time window: log-bucketed histograms, one per time slice, plus
// their running sum. Add and Quantile are O(1) in the number of samples (Quantile scans the
// fixed set of buckets); memory is fixed per window. A sample stays in the window for at
// least `window_ms` and leaves within one slice (window_ms / 16) after that.
//
// Buckets grow by 3%, so a quantile is reported within 1.5% of the exact sample value.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace switchyard {

class LatencyHistogram {
 public:
  static constexpr int kBuckets = 512;  // 1 ms to about an hour at 3% steps

  static int BucketOf(double ms);
  // The geometric middle of a bucket: what a quantile falling in it reports.
  static double ValueOf(int bucket);

  void Add(int bucket, uint32_t n = 1) {
    counts_[bucket] += n;
    total_ += n;
  }
  void Subtract(const LatencyHistogram& other);
  void Clear();
  uint64_t count() const { return total_; }
  // The q-quantile (0 < q <= 1) by nearest rank; 0 when empty.
  double Quantile(double q) const;

 private:
  std::array<uint32_t, kBuckets> counts_{};
  uint64_t total_ = 0;
};

class LatencyWindow {
 public:
  explicit LatencyWindow(int64_t window_ms);

  // `now_ms` must not go backwards between calls.
  // `censored`: the call was cut off at `latency_ms`, its true latency unknown but larger.
  void Add(int64_t now_ms, double latency_ms, bool censored = false);
  uint64_t Count(int64_t now_ms);
  // How many of Count() were censored.
  uint64_t Censored(int64_t now_ms);
  double Quantile(int64_t now_ms, double q);
  int64_t window_ms() const { return window_ms_; }

 private:
  static constexpr int kSlices = 16;
  void Advance(int64_t now_ms);

  int64_t window_ms_;
  int64_t slice_ms_;
  int64_t newest_slice_ = INT64_MIN;
  // kSlices + 1 so that a sample is kept for a whole window_ms before its slice expires.
  std::vector<LatencyHistogram> slices_;
  std::vector<int64_t> slice_ids_;
  std::vector<uint64_t> slice_censored_;
  LatencyHistogram sum_;
  uint64_t censored_ = 0;
};

}  // namespace switchyard
