#include "store/writer_priority.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace switchyard {
namespace {

constexpr auto kIdle = WriterPriority::kIdle;
constexpr auto kNormal = WriterPriority::kNormal;

// A backlog of `rows` in a queue of 100,000, the oldest having waited `wait_ms`, flushed
// every 50 ms.
WriterBacklog Backlog(int64_t rows, int64_t wait_ms = 0) {
  return WriterBacklog{rows, 100000, wait_ms, 50};
}

TEST(WriterPriority, IdleUntilAQuarterFullThenNormalUntilDrained) {
  EXPECT_EQ(NextWriterPriority(kIdle, Backlog(0)), kIdle);
  EXPECT_EQ(NextWriterPriority(kIdle, Backlog(24999)), kIdle);
  EXPECT_EQ(NextWriterPriority(kIdle, Backlog(25000)), kNormal);
  // Between the marks each keeps what it has, so a queue near one does not flap.
  EXPECT_EQ(NextWriterPriority(kNormal, Backlog(24999)), kNormal);
  EXPECT_EQ(NextWriterPriority(kNormal, Backlog(3125)), kNormal);
  EXPECT_EQ(NextWriterPriority(kIdle, Backlog(3125)), kIdle);
  EXPECT_EQ(NextWriterPriority(kNormal, Backlog(3124)), kIdle);
  EXPECT_EQ(NextWriterPriority(kNormal, Backlog(0)), kIdle);
}

// A saturated machine leaves an idle writer almost no CPU: a few rows would wait for it
// indefinitely, and a kill -9 would lose them all. Time bounds the wait as rows bound the
// queue.
TEST(WriterPriority, NormalOnceARowHasWaitedTwoFlushesIdleWhenOnTimeAgain) {
  EXPECT_EQ(NextWriterPriority(kIdle, Backlog(4, 50)), kIdle);  // one flush: its normal wait
  EXPECT_EQ(NextWriterPriority(kIdle, Backlog(4, 99)), kIdle);
  EXPECT_EQ(NextWriterPriority(kIdle, Backlog(4, 100)), kNormal);
  EXPECT_EQ(NextWriterPriority(kNormal, Backlog(4, 60)), kNormal);  // still behind a flush
  EXPECT_EQ(NextWriterPriority(kNormal, Backlog(4, 50)), kNormal);
  EXPECT_EQ(NextWriterPriority(kNormal, Backlog(4, 49)), kIdle);
  // On time but with a queue past the low mark: rows still decide.
  EXPECT_EQ(NextWriterPriority(kNormal, Backlog(3125, 0)), kNormal);
}

TEST(WriterPriority, SetsTheThreadsPolicyAtNiceTen) {
  if (!CanLeaveIdlePriority()) GTEST_SKIP() << "no CAP_SYS_NICE and RLIMIT_NICE below +10 here";
  int idle_policy = -1, normal_policy = -1, nice = -1;
  std::thread t([&] {
    pid_t self = CurrentThreadId();
    ASSERT_TRUE(SetWriterPriority(self, kIdle));
    idle_policy = sched_getscheduler(0);
    ASSERT_TRUE(SetWriterPriority(self, kNormal));
    normal_policy = sched_getscheduler(0);
    nice = getpriority(PRIO_PROCESS, static_cast<id_t>(self));
  });
  t.join();
  EXPECT_EQ(idle_policy, SCHED_IDLE);
  EXPECT_EQ(normal_policy, SCHED_OTHER);
  EXPECT_EQ(nice, 10);
  // The test's own thread is untouched.
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
}

// In a child that gives up root: whether the writer may use idle priority follows
// RLIMIT_NICE, and +10 (the systemd unit's LimitNICE=+10, rlimit 10) is enough. Exits 3 when
// the limit cannot be set here (raising a hard limit needs CAP_SYS_RESOURCE).
constexpr int kCannotSetLimit = 3;

int ProbeAsNobody(rlim_t nice_limit) {
  pid_t pid = fork();
  if (pid == 0) {
    rlimit rl{nice_limit, nice_limit};
    if (setrlimit(RLIMIT_NICE, &rl) != 0) _exit(kCannotSetLimit);
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(4);
    _exit(CanLeaveIdlePriority() ? 1 : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(WriterPriority, UnprivilegedNeedsRlimitNiceOfTen) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to another user";
  EXPECT_EQ(ProbeAsNobody(0), 0);
  int nine = ProbeAsNobody(9), ten = ProbeAsNobody(10);
  if (nine == kCannotSetLimit || ten == kCannotSetLimit) {
    GTEST_SKIP() << "refused without the limit; cannot raise RLIMIT_NICE here to check +10";
  }
  EXPECT_EQ(nine, 0);
  EXPECT_EQ(ten, 1);
}

// Checks come every few inserts; the core is given away once per 100 us of work, and the
// time spent waiting to get it back does not count as work.
TEST(CoreYielder, YieldsOncePerIntervalOfWorkCountedFromTheYield) {
  int64_t now = 5000;
  int yields = 0;
  CoreYielder y(
      100, [&now] { return now; },
      [&] {
        ++yields;
        now += 3000;  // the loop thread had the core for 3 ms
      });
  for (int64_t t : {5000, 5040, 5099}) {
    now = t;
    EXPECT_FALSE(y.Check());
  }
  EXPECT_EQ(yields, 0);
  now = 5100;
  EXPECT_TRUE(y.Check());
  EXPECT_EQ(yields, 1);
  now = 8199;  // 99 us of work since the core came back at 8100
  EXPECT_FALSE(y.Check());
  EXPECT_EQ(yields, 1);
  now = 8200;
  EXPECT_TRUE(y.Check());
  EXPECT_EQ(yields, 2);
}

}  // namespace
}  // namespace switchyard
