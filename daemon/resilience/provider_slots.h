// A provider's calls in flight, shared among the local processes that use it.
//
// Every app on the host shares one daemon, so without a rule one client that pipelines a
// thousand slow calls holds every slot and the next process's requests are refused at once.
// Slots are shared max-min fairly: a client may take a slot while it holds less than its
// fair share, the level at which, if every other client kept what it holds (up to that level),
// the capacity would be exactly spent. A client using little is never refused while one
// using more holds its slots; a client over its share is refused for its own excess only.
//
// No one is made to give back a slot: a share is kept by refusing the client over it. So that
// a newcomer is never refused by a provider a single client has filled, the shares are worked
// out as if one more client held `capacity / 8` slots: a lone client can take 7/8 of them,
// and the last eighth is always there for whoever comes next. (Below 8 slots there is no
// such reserve.)
//
// Pure: no time, no I/O; the router calls it on the loop thread.
#pragma once

#include <cstdint>
#include <unordered_map>

namespace switchyard {

// Who a call is for: the client process (its pid), or the connection when the pid is
// unknown (see ipc/server.h).
using ClientId = uint64_t;

class ProviderSlots {
 public:
  enum class Verdict {
    kTaken,
    kProviderFull,  // every slot is taken, by clients within their shares
    kOverShare,     // this client already holds its fair share
  };
  struct Result {
    Verdict verdict = Verdict::kTaken;
    int64_t held = 0;   // slots this client held when it asked
    int64_t share = 0;  // its fair share then (kOverShare)
  };

  explicit ProviderSlots(int64_t capacity) : capacity_(capacity) {}

  Result Take(ClientId client);
  void Release(ClientId client);
  // A new capacity (reload); calls in flight keep their slots.
  void set_capacity(int64_t capacity) { capacity_ = capacity; }

  int64_t in_flight() const { return total_; }
  int64_t capacity() const { return capacity_; }
  int64_t held_by(ClientId client) const;

 private:
  // The most slots `client` may hold with the others holding what they do.
  double FairShare(ClientId client) const;

  int64_t capacity_;
  int64_t total_ = 0;
  std::unordered_map<ClientId, int64_t> held_;  // clients with a slot
};

}  // namespace switchyard
