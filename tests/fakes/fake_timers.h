// Timers fired by hand: AdvanceTo() moves the FakeClock and runs what fell due, in order.
#pragma once

#include <map>
#include <utility>

#include "base/timers.h"
#include "fakes/fake_clock.h"

namespace switchyard {

class FakeTimers final : public Timers {
 public:
  explicit FakeTimers(FakeClock* clock) : clock_(clock) {}

  Id Start(int64_t delay_ms, std::function<void()> fn) override {
    Id id = next_++;
    due_.emplace(std::make_pair(clock_->NowMs() + delay_ms, id), std::move(fn));
    return id;
  }

  void Stop(Id id) override {
    for (auto it = due_.begin(); it != due_.end(); ++it) {
      if (it->first.second == id) {
        due_.erase(it);
        return;
      }
    }
  }

  // Moves time forward by `ms`, firing each timer at its own due time.
  void Advance(int64_t ms) {
    int64_t until = clock_->NowMs() + ms;
    while (!due_.empty() && due_.begin()->first.first <= until) {
      auto it = due_.begin();
      clock_->Advance(it->first.first - clock_->NowMs());
      std::function<void()> fn = std::move(it->second);
      due_.erase(it);
      fn();
    }
    clock_->Advance(until - clock_->NowMs());
  }

  size_t pending() const { return due_.size(); }

 private:
  FakeClock* clock_;
  Id next_ = 1;
  std::map<std::pair<int64_t, Id>, std::function<void()>> due_;
};

}  // namespace switchyard
