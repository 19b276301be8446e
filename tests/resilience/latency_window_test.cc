#include "resilience/latency_window.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace switchyard {
namespace {

double ExactQuantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::max<size_t>(rank, 1) - 1];
}

TEST(LatencyWindow, P95IsWithinTwoPercentOfTheExactSamplePercentile) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::lognormal_distribution<double> dist(std::log(300.0 + 100 * trial), 0.6);
    LatencyWindow w(900000);
    std::vector<double> samples;
    for (int i = 0; i < 5000; ++i) {
      double ms = dist(rng);
      samples.push_back(ms);
      w.Add(1000 + i, ms);
    }
    for (double q : {0.5, 0.95, 0.99}) {
      double exact = ExactQuantile(samples, q);
      double got = w.Quantile(7000, q);
      EXPECT_NEAR(got, exact, 0.02 * exact) << "trial " << trial << " q " << q;
    }
  }
}

TEST(LatencyWindow, SamplesLeaveOnTime) {
  const int64_t window = 160000;  // slices of 10 s
  LatencyWindow w(window);
  w.Add(0, 100);
  w.Add(50000, 100);
  EXPECT_EQ(w.Count(50000), 2u);
  // Every sample is kept for at least the whole window...
  EXPECT_EQ(w.Count(window - 1), 2u);
  EXPECT_EQ(w.Count(window + 5000), 2u);
  // ...and gone within one slice after it.
  EXPECT_EQ(w.Count(window + 10000), 1u);
  EXPECT_EQ(w.Count(50000 + window + 10000), 0u);
  EXPECT_DOUBLE_EQ(w.Quantile(50000 + window + 10000, 0.95), 0);
}

TEST(LatencyWindow, OldSamplesDoNotMaskNewOnes) {
  LatencyWindow w(16000);
  for (int i = 0; i < 100; ++i) w.Add(i, 50);
  for (int i = 0; i < 10; ++i) w.Add(40000 + i, 5000);
  EXPECT_EQ(w.Count(40010), 10u);
  EXPECT_NEAR(w.Quantile(40010, 0.5), 5000, 100);
}

// Kaplan-Meier: a cut-off says "longer than this", so its weight goes to the samples above
// it. Censored samples above the 95th rank leave the plain rank.
TEST(LatencyWindow, CensoredAboveTheRankLeaveIt) {
  LatencyWindow plain(60000), cut(60000);
  for (int i = 0; i < 96; ++i) {
    plain.Add(i, 100 + i);
    cut.Add(i, 100 + i);
  }
  for (int i = 0; i < 4; ++i) {
    plain.Add(100, 5000);
    cut.Add(100, 300, true);
  }
  EXPECT_DOUBLE_EQ(cut.KnownQuantile(200, 0.95), plain.Quantile(200, 0.95));
  EXPECT_NEAR(cut.KnownQuantile(200, 0.95), 195, 195 * 0.015);
  EXPECT_NEAR(cut.KnownQuantile(200, 0.5), 149, 149 * 0.015);
}

// Cut off at 200 ms, but answers at 1 s were seen beyond them: the P95 is among those.
TEST(LatencyWindow, CensoredBelowAnswersPassTheirWeightUp) {
  LatencyWindow w(60000);
  for (int i = 0; i < 90; ++i) w.Add(i, 100);
  for (int i = 0; i < 6; ++i) w.Add(100, 200, true);
  for (int i = 0; i < 4; ++i) w.Add(100, 1000);
  EXPECT_NEAR(w.KnownQuantile(200, 0.95), 1000, 1000 * 0.015);  // the rank would say 200
  EXPECT_NEAR(w.KnownQuantile(200, 0.5), 100, 100 * 0.015);
  EXPECT_EQ(w.Censored(200), 6u);
}

// Nothing answered above 10% cut off: the P95 is unknown, and Quantile gives the rank among
// them, a lower bound.
TEST(LatencyWindow, TooManyCensoredLeaveTheQuantileUnknown) {
  LatencyWindow w(60000);
  for (int i = 0; i < 90; ++i) w.Add(i, 100);
  for (int i = 0; i < 10; ++i) w.Add(100, 200, true);
  EXPECT_LT(w.KnownQuantile(200, 0.95), 0);
  EXPECT_NEAR(w.Quantile(200, 0.95), 200, 200 * 0.015);
  EXPECT_NEAR(w.KnownQuantile(200, 0.5), 100, 100 * 0.015);  // the median still is known
  LatencyWindow empty(60000);
  EXPECT_LT(empty.KnownQuantile(0, 0.95), 0);
  // They leave with their slice.
  for (int i = 0; i < 20; ++i) w.Add(200000, 100);
  EXPECT_EQ(w.Censored(200000), 0u);
  EXPECT_NEAR(w.KnownQuantile(200000, 0.95), 100, 100 * 0.015);
}

TEST(LatencyHistogram, BucketsAreMonotoneAndBounded) {
  EXPECT_EQ(LatencyHistogram::BucketOf(0), 0);
  EXPECT_EQ(LatencyHistogram::BucketOf(-3), 0);
  EXPECT_EQ(LatencyHistogram::BucketOf(1e12), LatencyHistogram::kBuckets - 1);
  int previous = 0;
  for (double ms = 1; ms < 3.6e6; ms *= 1.01) {
    int b = LatencyHistogram::BucketOf(ms);
    EXPECT_GE(b, previous) << ms;
    previous = b;
    double v = LatencyHistogram::ValueOf(b);
    EXPECT_NEAR(v, ms, 0.016 * ms) << ms;
  }
}

}  // namespace
}  // namespace switchyard
