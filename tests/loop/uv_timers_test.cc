#include "loop/uv_timers.h"

#include <gtest/gtest.h>
#include <uv.h>

#include <memory>
#include <vector>

namespace switchyard {
namespace {

// A real libuv loop; every timer here is due at once, so uv_run returns when they have run.
class UvTimersTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    timers_->StopAll();
    uv_run(&loop_, UV_RUN_DEFAULT);  // the close callbacks
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a timer handle was left open";
  }
  void Run() { uv_run(&loop_, UV_RUN_DEFAULT); }

  uv_loop_t loop_;
  std::unique_ptr<UvTimers> timers_ = std::make_unique<UvTimers>(&loop_);
};

TEST_F(UvTimersTest, FiresOnceAndAnIdOutlivesItsUse) {
  std::vector<int> fired;
  Timers::Id first = timers_->Start(0, [&] { fired.push_back(1); });
  Run();
  EXPECT_EQ(fired, std::vector<int>{1});
  // A fired timer's Id must not stop the next one.
  Timers::Id second = timers_->Start(0, [&] { fired.push_back(2); });
  EXPECT_NE(second, first);
  EXPECT_NE(second, 0u);
  timers_->Stop(first);
  Run();
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
}

TEST_F(UvTimersTest, StoppedNeverRunsAndLetsGoOfWhatItHeld) {
  auto held = std::make_shared<int>(7);
  bool ran = false;
  Timers::Id id = timers_->Start(0, [&ran, held] { ran = true; });
  EXPECT_EQ(held.use_count(), 2);
  timers_->Stop(id);
  timers_->Stop(id);  // twice: a no-op
  Run();              // the handle's close callback
  EXPECT_FALSE(ran);
  EXPECT_EQ(held.use_count(), 1) << "the stopped timer still holds its function";
}

TEST_F(UvTimersTest, AFiringTimerMayStartAndStopOthers) {
  std::vector<int> fired;
  Timers::Id doomed = 0;
  timers_->Start(0, [&] {
    fired.push_back(1);
    timers_->Start(0, [&] { fired.push_back(2); });
    timers_->Stop(doomed);
  });
  doomed = timers_->Start(1000000, [&] { fired.push_back(99); });
  Run();
  EXPECT_EQ(fired, (std::vector<int>{1, 2}));
}

TEST_F(UvTimersTest, ManyAtOnceEachRunOnce) {
  int fired = 0;
  for (int round = 0; round < 3; ++round) {
    std::vector<Timers::Id> ids;
    for (int i = 0; i < 100; ++i) ids.push_back(timers_->Start(0, [&] { ++fired; }));
    for (int i = 0; i < 100; i += 2) timers_->Stop(ids[i]);
    Run();
  }
  EXPECT_EQ(fired, 150);
}

// At shutdown the daemon stops every timer and runs the loop once more; a step of the
// shutdown may still start a timer, which must then be closed after it fires.
TEST_F(UvTimersTest, AfterStopAllATimerStillRunsAndTheLoopCloses) {
  bool pending_ran = false, late_ran = false;
  timers_->Start(1000000, [&] { pending_ran = true; });
  timers_->StopAll();
  timers_->Start(0, [&] { late_ran = true; });
  Run();
  EXPECT_FALSE(pending_ran);
  EXPECT_TRUE(late_ran);
}

}  // namespace
}  // namespace switchyard
