// The `adaptive` section: the learned-timeout rules (resilience/timeout_policy.h,
// router/prober.h) against five scenarios replayed with the fake provider, S4 simulated.
#pragma once

#include <string>
#include <vector>

namespace switchyard::bench {

// `scenarios`: "S1".."S5" to run; empty: all.
void BenchAdaptive(const std::vector<std::string>& scenarios);

}  // namespace switchyard::bench
