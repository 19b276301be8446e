// The fleet's link to Redis: two connections (commands, and one subscribed to the fleet's
// channel, which Redis allows nothing else on), authenticated, watched and reconnected.
// Nothing waits on it. When Redis is down, slow (no reply within timeout_ms) or refuses the
// password, the link goes down, says so once in the log, and tries again with backoff;
// commands asked meanwhile are refused at once, and the caller carries on without them.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/timers.h"
#include "config/redis_address.h"
#include "fleet/backoff.h"
#include "fleet/redis_connection.h"

namespace switchyard {

class RedisLink {
 public:
  enum class State { kConnecting, kUp, kDown };
  static const char* StateName(State s);

  struct Options {
    RedisAddress address;
    std::string password;  // empty: no AUTH
    std::string channel;   // subscribed to while up
    int64_t timeout_ms = 1000;
  };
  struct Events {
    std::function<void()> up;                          // each time it is up again
    std::function<void(const std::string& why)> down;  // each time it goes down
    std::function<void(std::string_view payload)> message;
  };

  RedisLink(uv_loop_t* loop, Timers* timers, const Clock* clock, Options options, Events events);
  ~RedisLink();
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  void Start();
  void Stop();
  // False, and `cb` never runs, unless the link is up. A reply that does not come within
  // timeout_ms takes the link down, and `cb` gets null.
  bool Command(const std::vector<std::string>& args, RedisConnection::OnReply cb);

  State state() const { return state_; }
  bool up() const { return state_ == State::kUp; }
  int64_t since_wall_ms() const { return since_wall_ms_; }
  const std::string& last_error() const { return last_error_; }
  int64_t reconnects() const { return reconnects_; }

 private:
  void Connect();
  void Resolved(const std::string& ip);
  void Fail(const std::string& why);
  void MaybeUp();
  void Watch();
  void SetState(State s);
  static void OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res);

  uv_loop_t* loop_;
  Timers* timers_;
  const Clock* clock_;
  Options options_;
  Events events_;
  RedisConnection commands_;
  RedisConnection subscriber_;
  Backoff backoff_;
  State state_ = State::kConnecting;
  bool started_ = false;
  bool authenticated_ = false;
  bool subscribed_ = false;
  bool outage_logged_ = false;
  int64_t attempt_started_ms_ = 0;
  int64_t last_sent_ms_ = 0;
  int64_t since_wall_ms_ = 0;
  int64_t down_since_ms_ = 0;
  int64_t reconnects_ = 0;
  uint64_t generation_ = 0;  // bumped per attempt: callbacks of an older one are ignored
  std::string last_error_;
  Timers::Id watch_timer_ = 0;
  Timers::Id retry_timer_ = 0;
  uv_getaddrinfo_t* resolving_ = nullptr;
};

}  // namespace switchyard
