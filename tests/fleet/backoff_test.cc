#include "fleet/backoff.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

TEST(Backoff, DoublesWithJitterUpToItsCapAndStartsOverAfterReset) {
  Backoff b(100, 5000, 7);
  int64_t expected[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000};
  for (int64_t e : expected) {
    int64_t d = b.Next();
    EXPECT_GE(d, e * 8 / 10) << e;
    EXPECT_LE(d, e * 12 / 10) << e;
  }
  b.Reset();
  int64_t d = b.Next();
  EXPECT_GE(d, 80);
  EXPECT_LE(d, 120);
}

TEST(Backoff, HostsThatLostRedisTogetherDoNotRetryInLockstep) {
  Backoff one(1000, 5000, 1), two(1000, 5000, 2);
  int same = 0;
  for (int i = 0; i < 5; ++i) same += one.Next() == two.Next();
  EXPECT_LT(same, 2);
}

}  // namespace
}  // namespace switchyard
