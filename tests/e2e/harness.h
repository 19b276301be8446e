// The end-to-end tests' view of the testbed (tools/testbed/testbed.h): the same processes,
// with a Cluster whose daemon must stop cleanly, or the test fails.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include "testbed.h"

namespace switchyard::e2e {

// Whether this build (and so the daemon it starts) runs under ASan or TSan. Their shadow
// memory and quarantine of freed blocks make a process's RSS say nothing about leaks, so
// memory-growth checks run in the plain build only (LeakSanitizer covers the ASan one).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

using testbed::ClusterOptions;
using testbed::FakeProvider;
using testbed::Process;
using testbed::ReadFile;
using testbed::TempDir;
using testbed::WaitForSocket;

inline int64_t MsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
      .count();
}

class Cluster : public testbed::Cluster {
 public:
  using testbed::Cluster::Cluster;
  ~Cluster() {
    if (running()) {
      Status s = StopDaemon();
      EXPECT_TRUE(s.ok()) << s.message();
    }
  }
};

}  // namespace switchyard::e2e
