// TurnFlush on a real libuv loop: what was marked is written once a turn, after `before` and
// before `after`, and nothing is lost to a flush that marks again or to Close.
#include "loop/turn_flush.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace switchyard {
namespace {

class TurnFlushTest : public ::testing::Test {
 protected:
  TurnFlushTest() {
    EXPECT_EQ(uv_loop_init(&loop_), 0);
    // An idle handle keeps the loop alive, so each Turn() is one whole turn: prepare, poll
    // (not waiting), check.
    uv_idle_init(&loop_, &idle_);
    uv_idle_start(&idle_, [](uv_idle_t*) {});
    turn_ = std::make_unique<TurnFlush>(
        &loop_,
        [this] {
          ++befores_;
          order_.push_back("before");
        },
        [this](uint64_t id) {
          flushed_.push_back(id);
          order_.push_back("flush " + std::to_string(id));
          if (id == 4) {
            for (uint64_t again : mark_again_) turn_->Mark(again);
          }
        },
        [this] { order_.push_back("after"); });
  }
  void TearDown() override {
    turn_->Close();
    uv_close(reinterpret_cast<uv_handle_t*>(&idle_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left open";
  }
  void Turn() { uv_run(&loop_, UV_RUN_NOWAIT); }

  uv_loop_t loop_;
  uv_idle_t idle_;
  int befores_ = 0;
  std::vector<uint64_t> flushed_;
  std::vector<uint64_t> mark_again_;  // marked from inside the flush of id 4
  std::vector<std::string> order_;
  std::unique_ptr<TurnFlush> turn_;
};

TEST_F(TurnFlushTest, MarkedConnectionsAreFlushedOnceATurnAfterBefore) {
  turn_->Mark(1);
  turn_->Mark(2);
  EXPECT_TRUE(flushed_.empty()) << "nothing is written as it is marked";
  Turn();
  EXPECT_EQ(flushed_, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(befores_, 1);
  Turn();
  EXPECT_EQ(befores_, 1) << "`before` runs only when there is something to write";
  EXPECT_EQ(flushed_.size(), 2u);
  EXPECT_EQ(order_, (std::vector<std::string>{"before", "flush 1", "flush 2", "after"}));
}

TEST_F(TurnFlushTest, AMarkFromInsideAFlushIsWrittenOnTheNextTurn) {
  mark_again_ = {5};
  turn_->Mark(4);
  Turn();
  Turn();
  EXPECT_EQ(flushed_, (std::vector<uint64_t>{4, 5}));
}

TEST_F(TurnFlushTest, CloseWritesWhatIsLeft) {
  turn_->Mark(7);
  turn_->Close();
  EXPECT_EQ(flushed_, (std::vector<uint64_t>{7}));
  EXPECT_EQ(befores_, 1);
}

}  // namespace
}  // namespace switchyard
