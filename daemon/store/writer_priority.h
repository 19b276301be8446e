// How much CPU the history writer may take from the event loop.
//
// On a small machine at load, a commit that competes for a core as an equal shows up in the
// tail latency of requests. So the writer runs at SCHED_IDLE, taking only CPU no one else
// wants, while it keeps up. When its queue fills past a high-water mark, it runs at normal
// (nice +10) priority until the queue drains, so history is late rather than dropped.
//
// Leaving SCHED_IDLE again needs CAP_SYS_NICE or an RLIMIT_NICE that allows nice +10 (the
// systemd unit sets LimitNICE=+10). Where neither is given, the writer stays at nice +10.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace switchyard {

enum class WriterPriority { kIdle, kNormal };

// The priority the writer should have with `queued` of `capacity` rows waiting, given the
// one it has: normal from a quarter full, idle again once below 1/32 (the gap keeps a
// queue near the mark from switching on every batch).
WriterPriority NextWriterPriority(WriterPriority current, int64_t queued, int64_t capacity);

// Whether this process may return a thread from SCHED_IDLE to normal priority. Probed once
// on a throwaway thread, since a thread that cannot leave SCHED_IDLE would stay there.
bool CanLeaveIdlePriority();

// Sets thread `tid`'s priority (nice +10 either way). False if the OS refused.
bool SetWriterPriority(pid_t tid, WriterPriority p);

// The calling thread's id, for SetWriterPriority from another thread.
pid_t CurrentThreadId();

}  // namespace switchyard
