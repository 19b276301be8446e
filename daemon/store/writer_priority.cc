#include "store/writer_priority.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

namespace switchyard {
namespace {

constexpr int kNice = 10;

}  // namespace

WriterPriority NextWriterPriority(WriterPriority current, int64_t queued, int64_t capacity) {
  if (current == WriterPriority::kIdle) {
    return queued * 4 >= capacity ? WriterPriority::kNormal : WriterPriority::kIdle;
  }
  return queued * 32 < capacity ? WriterPriority::kIdle : WriterPriority::kNormal;
}

pid_t CurrentThreadId() { return static_cast<pid_t>(syscall(SYS_gettid)); }

bool SetWriterPriority(pid_t tid, WriterPriority p) {
  // Raising nice is always allowed; set it first so that leaving SCHED_IDLE asks the kernel
  // for nice +10, not 0.
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), kNice) != 0) return false;
  sched_param none{};
  return sched_setscheduler(tid, p == WriterPriority::kIdle ? SCHED_IDLE : SCHED_OTHER, &none) == 0;
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
