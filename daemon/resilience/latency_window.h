// Latency over a sliding time window: log-bucketed histograms, one per time slice, plus
// their running sum. Add and Quantile are O(1) in the number of samples (Quantile scans the
// fixed set of buckets); memory is fixed per window. A sample stays in the window for at
// least `window_ms` and leaves within one slice (window_ms / 16) after that.
//
// Buckets grow by 3%, so a quantile is reported within 1.5% of the exact sample value.
//
// Censored samples (calls cut off: their latency is only known to be larger) are kept in
// their own histograms too, and quantiles are read from the Kaplan-Meier estimate: a censored
// sample's weight goes to the samples above it. With no censored sample, or none below the
// quantile, that is the plain nearest rank. Where the censored samples leave the quantile
// unknown (too many of them, nothing answered above them), KnownQuantile says so.
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
  void Merge(const LatencyHistogram& other);
  void Clear();
  uint64_t count() const { return total_; }
  uint32_t at(int bucket) const { return counts_[bucket]; }
  // The q-quantile (0 < q <= 1) by nearest rank; 0 when empty.
  double Quantile(double q) const;

 private:
  std::array<uint32_t, kBuckets> counts_{};
  uint64_t total_ = 0;
};

// The q-quantile of samples `all`, of which `censored` were cut off, by Kaplan-Meier; -1
// when the censored samples leave it unknown.
double KaplanMeierQuantile(const LatencyHistogram& all, const LatencyHistogram& censored, double q);

class LatencyWindow {
 public:
  explicit LatencyWindow(int64_t window_ms);

  // `now_ms` must not go backwards between calls.
  // `censored`: the call was cut off at `latency_ms`, its true latency unknown but larger.
  void Add(int64_t now_ms, double latency_ms, bool censored = false);
  uint64_t Count(int64_t now_ms);
  // How many of Count() were censored.
  uint64_t Censored(int64_t now_ms);
  // The q-quantile; where censoring leaves it unknown, the nearest rank among all samples,
  // censored ones at their cutoffs (a lower bound).
  double Quantile(int64_t now_ms, double q);
  // The q-quantile, or -1 when the censored samples leave it unknown.
  double KnownQuantile(int64_t now_ms, double q);
  // The window's samples as two histograms: all of them, and the censored ones.
  void Export(int64_t now_ms, LatencyHistogram* all, LatencyHistogram* censored);
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
  std::vector<LatencyHistogram> slice_censored_;
  LatencyHistogram sum_;  // every sample, censored ones at their cutoffs
  LatencyHistogram censored_;
};

}  // namespace switchyard
