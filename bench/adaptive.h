// The `adaptive` section: the learned-timeout rules (resilience/timeout_policy.h,
// router/prober.h) against five scenarios replayed with the fake provider, S4 simulated.
#pragma once

namespace switchyard::bench {

void BenchAdaptive();

}  // namespace switchyard::bench
