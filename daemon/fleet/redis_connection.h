// One asynchronous connection to Redis on the daemon's libuv loop, through hiredis and its
// libuv adapter. Nothing here blocks: commands are queued and their replies come back as
// callbacks on the loop. It knows nothing of timeouts or reconnecting (fleet/redis_link.h).
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct redisAsyncContext;
struct redisReply;

namespace switchyard {

class RedisConnection {
 public:
  // A command's reply; null when the connection went away before it came.
  using OnReply = std::function<void(const redisReply*)>;
  using OnMessage = std::function<void(std::string_view payload)>;

  explicit RedisConnection(uv_loop_t* loop);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Starts connecting to a numeric address (`host` an IP) or, with `unix_path`, a Unix socket.
  // `on_up` runs once connected; `on_down(why)` once, when connecting fails or the
  // connection is lost, but not after Close().
  Status Open(const std::string& host, int port, const std::string& unix_path,
              std::function<void()> on_up, std::function<void(std::string)> on_down);
  // Queues a command (sent once connected). False, and `cb` never runs, when not open.
  bool Command(const std::vector<std::string>& args, OnReply cb, int64_t now_ms);
  // SUBSCRIBE: `on_subscribed` when Redis confirms it, then `on_message` for each message.
  bool Subscribe(const std::string& channel, std::function<void()> on_subscribed,
                 OnMessage on_message);
  // Drops the connection now: replies still awaited get null.
  void Close();

  bool open() const { return ac_ != nullptr; }
  // How long the oldest reply still awaited has been awaited; -1 when none is.
  int64_t OldestWaitMs(int64_t now_ms) const;

 private:
  struct Pending;
  struct Subscription;
  static void OnConnect(const redisAsyncContext* ac, int status);
  static void OnDisconnect(const redisAsyncContext* ac, int status);
  static void OnCommandReply(redisAsyncContext* ac, void* reply, void* privdata);
  static void OnSubscriptionReply(redisAsyncContext* ac, void* reply, void* privdata);
  void Lost(std::string why);

  uv_loop_t* loop_;
  redisAsyncContext* ac_ = nullptr;
  std::function<void()> on_up_;
  std::function<void(std::string)> on_down_;
  std::deque<int64_t> sent_ms_;  // when each awaited reply was asked for, oldest first
  // hiredis keeps a subscription's callback data for as long as its context lives and never
  // frees it: the connection owns it, and keeps old ones until it is destroyed.
  std::vector<std::unique_ptr<Subscription>> subscriptions_;
};

}  // namespace switchyard
