// The end-to-end tests' view of the testbed (tools/testbed/testbed.h): the same processes,
// with a Cluster whose daemon must stop cleanly, or the test fails.
#pragma once

#include <gtest/gtest.h>

#include "testbed.h"

namespace switchyard::e2e {

using testbed::ClusterOptions;
using testbed::FakeProvider;
using testbed::Process;
using testbed::ReadFile;
using testbed::TempDir;
using testbed::WaitForSocket;

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
