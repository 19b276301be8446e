// The fleet: hosts that share what they learn through one Redis (schema/fleet.md).
//
//  - Breakers. A breaker that opens or closes here is published (the fleet's channel, and a
//    key per model for hosts that join or reconnect later); another host's verdict is
//    applied here, open until the same wall-clock time, and kept in this host's history
//    with the origin host in its reason. While linked, a breaker whose cool-down is over
//    stays open until this host holds the model's probe lease in Redis (SET NX PX): one
//    host probes at a time, and its verdict reaches every host.
//  - Learned latency. Every publish_interval_ms this host publishes its latency windows
//    (histograms, bucket for bucket) and reads the other hosts'; their sum is what a key
//    with too few samples of its own borrows (resilience/timeout_policy.h).
//  - Nothing waits on Redis. Without the link (down, slow, refused), every breaker works
//    alone as it would without a fleet, and the host catches up when the link is back.
// Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/redactor.h"
#include "base/timers.h"
#include "config/config.h"
#include "fleet/fleet_messages.h"
#include "fleet/redis_link.h"
#include "protocol/messages.h"
#include "resilience/timeout_policy.h"
#include "router/breaker_listener.h"
#include "router/router.h"

namespace switchyard {

class Fleet final : public BreakerListener {
 public:
  struct Deps {
    uv_loop_t* loop = nullptr;
    Router* router = nullptr;
    TimeoutPolicy* answers = nullptr;
    TimeoutPolicy* first_token = nullptr;
    const Clock* clock = nullptr;
    Timers* timers = nullptr;
    const Redactor* redactor = nullptr;  // every message passes it on its way out
  };

  Fleet(const FleetConfig& config, Deps deps);
  ~Fleet() override;
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  void Start();
  void Stop();
  FleetStatus Describe() const;

  // BreakerListener.
  void BreakerMoved(const std::string& model, const BreakerTransition& t,
                    int64_t open_until_wall_ms, int64_t cooldown_ms) override;
  void TurnWanted(const std::string& model) override;

 private:
  // This host's turn to probe one model.
  struct Turn {
    bool asking = false;
    bool held = false;
    int64_t next_ask_ms = 0;  // monotonic: asked and refused, not again before this
    Timers::Id expiry = 0;
  };

  void Up();
  void Down(const std::string& why);
  void Message(std::string_view payload);
  // A verdict of this host's on `model`, closed until the caller says otherwise.
  FleetBreakerEvent Verdict(const std::string& model, std::string reason) const;
  void Publish(const FleetBreakerEvent& e);
  void CatchUp();
  void EndTurn(const std::string& model);
  void Share();
  void PublishSummaries();
  void FetchSummaries();
  void Merge(const std::vector<HostSummaries>& hosts);
  std::string Key(std::string_view what, std::string_view name) const;

  FleetConfig config_;
  Deps deps_;
  std::string instance_;  // this process: random, so that its own messages are known
  std::unique_ptr<RedisLink> link_;
  std::map<std::string, Turn> turns_;
  Timers::Id share_timer_ = 0;
  int64_t views_fetched_ms_ = -1;  // monotonic: when the fleet's summaries were last read
  int64_t hosts_ = 0;
  int64_t events_sent_ = 0;
  int64_t events_applied_ = 0;
};

}  // namespace switchyard
