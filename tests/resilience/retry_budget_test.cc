#include "resilience/retry_budget.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

TEST(RetryBudget, MinimumRetriesWhenQuiet) {
  RetryBudget b({20, 3, 10000});
  EXPECT_TRUE(b.TryRetry(0));
  EXPECT_TRUE(b.TryRetry(1));
  EXPECT_TRUE(b.TryRetry(2));
  EXPECT_FALSE(b.TryRetry(3));
}

TEST(RetryBudget, PercentOfRecentRequests) {
  RetryBudget b({20, 3, 10000});
  for (int i = 0; i < 100; ++i) b.RecordRequest(i);
  int granted = 0;
  for (int i = 0; i < 100; ++i) granted += b.TryRetry(200 + i) ? 1 : 0;
  EXPECT_EQ(granted, 20);
  // A window later the budget is fresh (and small again: no recent requests).
  int later = 0;
  for (int i = 0; i < 10; ++i) later += b.TryRetry(30000 + i) ? 1 : 0;
  EXPECT_EQ(later, 3);
}

}  // namespace
}  // namespace switchyard
