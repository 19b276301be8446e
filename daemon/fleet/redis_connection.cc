#include "fleet/redis_connection.h"

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

namespace switchyard {

struct RedisConnection::Pending {
  RedisConnection* conn;
  OnReply cb;
};

struct RedisConnection::Subscription {
  RedisConnection* conn;
  std::function<void()> on_subscribed;
  OnMessage on_message;
};

RedisConnection::RedisConnection(uv_loop_t* loop) : loop_(loop) {}

RedisConnection::~RedisConnection() { Close(); }

Status RedisConnection::Open(const std::string& host, int port, const std::string& unix_path,
                             std::function<void()> on_up,
                             std::function<void(std::string)> on_down) {
  Close();
  redisAsyncContext* ac = unix_path.empty() ? redisAsyncConnect(host.c_str(), port)
                                            : redisAsyncConnectUnix(unix_path.c_str());
  if (!ac) return Status::Internal("out of memory");
  if (ac->err) {
    std::string why = ac->errstr;
    redisAsyncFree(ac);
    return Status::Unavailable(why);
  }
  if (redisLibuvAttach(ac, loop_) != REDIS_OK) {
    redisAsyncFree(ac);
    return Status::Internal("cannot watch the Redis socket on the loop");
  }
  ac->data = this;
  redisAsyncSetConnectCallback(ac, &RedisConnection::OnConnect);
  redisAsyncSetDisconnectCallback(ac, &RedisConnection::OnDisconnect);
  ac_ = ac;
  on_up_ = std::move(on_up);
  on_down_ = std::move(on_down);
  sent_ms_.clear();
  return Status::Ok();
}

void RedisConnection::OnConnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisConnection*>(ac->data);
  if (!self) return;
  if (status != REDIS_OK) {
    // hiredis frees the context after this returns.
    self->Lost(ac->errstr[0] ? ac->errstr : "cannot connect");
    return;
  }
  if (self->on_up_) self->on_up_();
}

void RedisConnection::OnDisconnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisConnection*>(ac->data);
  if (!self) return;
  self->Lost(status == REDIS_OK || !ac->errstr[0] ? "Redis closed the connection" : ac->errstr);
}

void RedisConnection::Lost(std::string why) {
  if (ac_) ac_->data = nullptr;
  ac_ = nullptr;
  sent_ms_.clear();
  auto on_down = std::move(on_down_);
  on_down_ = nullptr;
  on_up_ = nullptr;
  if (on_down) on_down(std::move(why));
}

void RedisConnection::Close() {
  if (!ac_) return;
  redisAsyncContext* ac = ac_;
  ac_ = nullptr;
  ac->data = nullptr;
  on_up_ = nullptr;
  on_down_ = nullptr;
  sent_ms_.clear();
  // Inside one of its callbacks, hiredis defers this until the callback returns.
  redisAsyncFree(ac);
}

bool RedisConnection::Command(const std::vector<std::string>& args, OnReply cb, int64_t now_ms) {
  if (!ac_) return false;
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* p = new Pending{this, std::move(cb)};
  if (redisAsyncCommandArgv(ac_, &RedisConnection::OnCommandReply, p, static_cast<int>(args.size()),
                            argv.data(), lens.data()) != REDIS_OK) {
    delete p;
    return false;
  }
  sent_ms_.push_back(now_ms);
  return true;
}

void RedisConnection::OnCommandReply(redisAsyncContext* ac, void* reply, void* privdata) {
  std::unique_ptr<Pending> p(static_cast<Pending*>(privdata));
  // A context being freed (ac->data cleared) answers every command with null.
  auto* self = static_cast<RedisConnection*>(ac->data);
  if (self && !self->sent_ms_.empty()) self->sent_ms_.pop_front();
  if (p->cb) p->cb(self ? static_cast<const redisReply*>(reply) : nullptr);
}

bool RedisConnection::Subscribe(const std::string& channel, std::function<void()> on_subscribed,
                                OnMessage on_message) {
  if (!ac_) return false;
  subscriptions_.push_back(
      std::make_unique<Subscription>(Subscription{this, std::move(on_subscribed),
                                                  std::move(on_message)}));
  const char* argv[] = {"SUBSCRIBE", channel.c_str()};
  size_t lens[] = {9, channel.size()};
  return redisAsyncCommandArgv(ac_, &RedisConnection::OnSubscriptionReply,
                               subscriptions_.back().get(), 2, argv, lens) == REDIS_OK;
}

void RedisConnection::OnSubscriptionReply(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* sub = static_cast<Subscription*>(privdata);
  auto* r = static_cast<const redisReply*>(reply);
  if (!ac->data || !r || r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  const redisReply* kind = r->element[0];
  if (kind->type != REDIS_REPLY_STRING) return;
  std::string_view k(kind->str, kind->len);
  if (k == "subscribe") {
    if (sub->on_subscribed) sub->on_subscribed();
  } else if (k == "message" && r->element[2]->type == REDIS_REPLY_STRING) {
    if (sub->on_message) sub->on_message(std::string_view(r->element[2]->str, r->element[2]->len));
  }
}

int64_t RedisConnection::OldestWaitMs(int64_t now_ms) const {
  return sent_ms_.empty() ? -1 : now_ms - sent_ms_.front();
}

}  // namespace switchyard
