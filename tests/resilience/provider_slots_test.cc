#include "resilience/provider_slots.h"

#include <gtest/gtest.h>

#include <random>

namespace switchyard {
namespace {

using Verdict = ProviderSlots::Verdict;

int64_t TakeAll(ProviderSlots& s, ClientId c, ProviderSlots::Result* last = nullptr) {
  int64_t n = 0;
  for (;;) {
    ProviderSlots::Result r = s.Take(c);
    if (r.verdict != Verdict::kTaken) {
      if (last) *last = r;
      return n;
    }
    ++n;
  }
}

TEST(ProviderSlots, ALoneClientTakesSevenEighthsAndTheRestWaitsForANewcomer) {
  ProviderSlots s(1024);
  ProviderSlots::Result refused;
  EXPECT_EQ(TakeAll(s, 1, &refused), 896);
  EXPECT_EQ(refused.verdict, Verdict::kOverShare);
  EXPECT_EQ(refused.held, 896);
  EXPECT_EQ(refused.share, 896);
  // A second process is not refused: the reserve is its.
  EXPECT_EQ(TakeAll(s, 2, &refused), 128);
  EXPECT_EQ(refused.verdict, Verdict::kProviderFull);  // within its share, but none left
  EXPECT_EQ(s.in_flight(), 1024);
  // The first client, now over its share, is refused for its own excess.
  ProviderSlots::Result r = s.Take(1);
  EXPECT_EQ(r.verdict, Verdict::kOverShare);
  EXPECT_EQ(r.share, 768);
}

TEST(ProviderSlots, SlotsFreedGoToTheClientUnderItsShareUntilBothHoldTheSame) {
  ProviderSlots s(1024);
  TakeAll(s, 1);
  TakeAll(s, 2);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    // A call ends, one of either client's, in proportion to what each holds...
    ClientId ended = static_cast<int64_t>(rng() % static_cast<uint64_t>(s.in_flight())) <
                             s.held_by(1)
                         ? 1
                         : 2;
    s.Release(ended);
    // ...and both, wanting more, ask again, in turn.
    for (ClientId c : {ClientId(i % 2 + 1), ClientId(2 - i % 2)}) s.Take(c);
  }
  EXPECT_NEAR(static_cast<double>(s.held_by(1)), 448, 8);
  EXPECT_NEAR(static_cast<double>(s.held_by(2)), 448, 8);
  EXPECT_LE(s.in_flight(), 1024);
}

TEST(ProviderSlots, AClientUsingLittleIsNeverRefusedWhileAnotherHoldsMore) {
  ProviderSlots s(64);
  EXPECT_EQ(TakeAll(s, 1), 56);
  for (ClientId c = 2; c <= 5; ++c) {
    ProviderSlots::Result r = s.Take(c);
    EXPECT_EQ(r.verdict, Verdict::kTaken) << "client " << c;
  }
  EXPECT_EQ(s.Take(1).verdict, Verdict::kOverShare);
}

TEST(ProviderSlots, BelowEightSlotsThereIsNoReserve) {
  ProviderSlots s(4);
  ProviderSlots::Result refused;
  EXPECT_EQ(TakeAll(s, 1, &refused), 4);
  EXPECT_EQ(refused.verdict, Verdict::kOverShare);
  s.Release(1);
  EXPECT_EQ(s.Take(2).verdict, Verdict::kTaken);
}

TEST(ProviderSlots, ReleaseGivesBackAndForgetsIdleClients) {
  ProviderSlots s(16);
  s.Take(9);
  s.Take(9);
  s.Release(9);
  s.Release(9);
  s.Release(9);  // one too many: ignored
  s.Release(4);  // never took one
  EXPECT_EQ(s.in_flight(), 0);
  EXPECT_EQ(s.held_by(9), 0);
  s.set_capacity(2);
  EXPECT_EQ(TakeAll(s, 9), 2);
}

}  // namespace
}  // namespace switchyard
