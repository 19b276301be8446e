// How much CPU the history writer may take from the event loop.
//
// On a small machine at load, a commit that competes for a core as an equal shows up in the
// tail latency of requests. So the writer runs at SCHED_IDLE, taking only CPU no one else
// wants, while it keeps up. A SCHED_IDLE thread on a saturated machine barely runs at all,
// so it runs at normal (nice +10) priority as soon as it falls behind, in rows or in time:
// its queue fills past a high-water mark, or a row has waited two flush intervals. History
// is then late by a bounded amount, rather than dropped or left for a kill -9 to lose.
//
// Leaving SCHED_IDLE again needs CAP_SYS_NICE or an RLIMIT_NICE that allows nice +10 (the
// systemd unit sets LimitNICE=+10). Where neither is given, the writer stays at nice +10.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>

namespace switchyard {

enum class WriterPriority { kIdle, kNormal };

// What the writer has not yet committed.
struct WriterBacklog {
  int64_t rows = 0;            // queued or in a write not yet committed
  int64_t capacity = 0;        // the queue's bound
  int64_t oldest_wait_ms = 0;  // how long the oldest of those rows has waited
  int64_t flush_ms = 0;        // how long a row should wait at most
};

// The priority the writer should have, given the one it has. Normal from a quarter full or
// once a row has waited 2 * flush_ms; idle again once below 1/32 and no row has waited a
// whole flush interval (the gaps keep a backlog near a mark from switching every batch).
WriterPriority NextWriterPriority(WriterPriority current, const WriterBacklog& b);

// Whether this process may return a thread from SCHED_IDLE to normal priority. Probed once
// on a throwaway thread, since a thread that cannot leave SCHED_IDLE would stay there.
bool CanLeaveIdlePriority();

// Sets thread `tid`'s priority (nice +10 either way). False if the OS refused.
bool SetWriterPriority(pid_t tid, WriterPriority p);

// The calling thread's id, for SetWriterPriority from another thread.
pid_t CurrentThreadId();

// Gives the core away at least every `every_us` of the writer's work. A SCHED_IDLE writer
// should lose its core the moment a normal thread wakes there, but `perf sched` on the 2-core
// VM the benchmarks ran on caught the kernel letting it run on to the next tick (4 ms) while
// the event loop, woken on that core, waited: that wait was most of what history on cost at
// p99.9. At nice +10 a woken thread need not preempt it either. Yielding bounds the wait to
// `every_us`; when no one is waiting, a yield is a cheap syscall.
class CoreYielder {
 public:
  // On the monotonic clock, yielding with sched_yield.
  explicit CoreYielder(int64_t every_us);
  CoreYielder(int64_t every_us, std::function<int64_t()> now_us, std::function<void()> yield);
  // Called often while the writer works (from SQLite's progress handler). True if it yielded.
  bool Check();

 private:
  int64_t every_us_;
  std::function<int64_t()> now_us_;
  std::function<void()> yield_;
  int64_t last_us_;
};

}  // namespace switchyard
