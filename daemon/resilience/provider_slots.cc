#include "resilience/provider_slots.h"

#include <algorithm>
#include <vector>

namespace switchyard {

int64_t ProviderSlots::held_by(ClientId client) const {
  auto it = held_.find(client);
  return it == held_.end() ? 0 : it->second;
}

double ProviderSlots::FairShare(ClientId client) const {
  // Water-filling: the others' holdings, and the reserve as one more client's, are demands;
  // the level L solves sum(min(demand, L)) + L = capacity, this client's demand unbounded.
  std::vector<int64_t> demands;
  demands.reserve(held_.size() + 1);
  for (const auto& [id, n] : held_) {
    if (id != client) demands.push_back(n);
  }
  demands.push_back(capacity_ / 8);
  std::sort(demands.begin(), demands.end());
  double left = static_cast<double>(capacity_);
  double sharers = static_cast<double>(demands.size() + 1);
  for (int64_t d : demands) {
    if (static_cast<double>(d) > left / sharers) break;
    left -= static_cast<double>(d);
    sharers -= 1;
  }
  return left / sharers;
}

ProviderSlots::Result ProviderSlots::Take(ClientId client) {
  Result r;
  r.held = held_by(client);
  // Well below capacity every share is above what anyone holds (see the header): only near
  // it is the level worked out.
  if (total_ + 1 + capacity_ / 8 > capacity_) {
    double share = FairShare(client);
    r.share = static_cast<int64_t>(share);
    if (static_cast<double>(r.held + 1) > share) {
      r.verdict = Verdict::kOverShare;
      return r;
    }
    if (total_ >= capacity_) {
      r.verdict = Verdict::kProviderFull;
      return r;
    }
  }
  ++held_[client];
  ++total_;
  return r;
}

void ProviderSlots::Release(ClientId client) {
  auto it = held_.find(client);
  if (it == held_.end()) return;
  --total_;
  if (--it->second == 0) held_.erase(it);
}

}  // namespace switchyard
