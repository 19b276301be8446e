#include "fleet/backoff.h"

#include <algorithm>

namespace switchyard {

int64_t Backoff::Next() {
  int64_t base = first_ms_;
  for (int i = 0; i < attempts_ && base < max_ms_; ++i) base *= 2;
  base = std::min(base, max_ms_);
  ++attempts_;
  std::uniform_real_distribution<double> d(0.8, 1.2);
  return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(base) * d(rng_)));
}

}  // namespace switchyard
