#include "store/writer_priority.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>
#include <utility>

#include "base/clock.h"

namespace switchyard {
namespace {

constexpr int kNice = 10;

}  // namespace

WriterPriority NextWriterPriority(WriterPriority current, const WriterBacklog& b) {
  if (current == WriterPriority::kIdle) {
    bool behind = b.rows * 4 >= b.capacity || b.oldest_wait_ms >= 2 * b.flush_ms;
    return behind ? WriterPriority::kNormal : WriterPriority::kIdle;
  }
  bool caught_up = b.rows * 32 < b.capacity && b.oldest_wait_ms < b.flush_ms;
  return caught_up ? WriterPriority::kIdle : WriterPriority::kNormal;
}

pid_t CurrentThreadId() { return static_cast<pid_t>(syscall(SYS_gettid)); }

bool SetWriterPriority(pid_t tid, WriterPriority p) {
  // Raising nice is always allowed; set it first so that leaving SCHED_IDLE asks the kernel
  // for nice +10, not 0.
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), kNice) != 0) return false;
  sched_param none{};
  return sched_setscheduler(tid, p == WriterPriority::kIdle ? SCHED_IDLE : SCHED_OTHER, &none) == 0;
}

CoreYielder::CoreYielder(int64_t every_us)
    : CoreYielder(every_us, &RealClock::NowUs, [] { sched_yield(); }) {}

CoreYielder::CoreYielder(int64_t every_us, std::function<int64_t()> now_us,
                         std::function<void()> yield)
    : every_us_(every_us),
      now_us_(std::move(now_us)),
      yield_(std::move(yield)),
      last_us_(now_us_()) {}

bool CoreYielder::Check() {
  if (now_us_() - last_us_ < every_us_) return false;
  yield_();
  // From after the yield: time spent waiting for the core again is not work.
  last_us_ = now_us_();
  return true;
}

bool CanLeaveIdlePriority() {
  bool can = false;
  std::thread probe([&can] {
    pid_t self = CurrentThreadId();
    can = SetWriterPriority(self, WriterPriority::kIdle) &&
          SetWriterPriority(self, WriterPriority::kNormal);
  });
  probe.join();
  return can;
}

}  // namespace switchyard
