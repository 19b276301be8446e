#include "fleet/redis_link.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace switchyard {
namespace {

// The getaddrinfo request carries the link it belongs to until it completes; a link stopped
// meanwhile clears it.
struct Resolve {
  uv_getaddrinfo_t req;
  RedisLink* link;
};

bool IsNumeric(const std::string& host) {
  in_addr a4{};
  in6_addr a6{};
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

}  // namespace

const char* RedisLink::StateName(State s) {
  switch (s) {
    case State::kConnecting:
      return "connecting";
    case State::kUp:
      return "up";
    case State::kDown:
      return "down";
  }
  return "unknown";
}

RedisLink::RedisLink(uv_loop_t* loop, Timers* timers, const Clock* clock, Options options,
                     Events events)
    : loop_(loop),
      timers_(timers),
      clock_(clock),
      options_(std::move(options)),
      events_(std::move(events)),
      commands_(loop),
      subscriber_(loop),
      backoff_(100, 5000, static_cast<uint64_t>(clock->WallMs())) {}

RedisLink::~RedisLink() { Stop(); }

void RedisLink::Start() {
  if (started_) return;
  started_ = true;
  since_wall_ms_ = clock_->WallMs();
  Connect();
  Watch();
}

void RedisLink::Stop() {
  if (!started_) return;
  started_ = false;
  ++generation_;
  if (resolving_) {
    static_cast<Resolve*>(resolving_->data)->link = nullptr;
    resolving_ = nullptr;
  }
  timers_->Stop(watch_timer_);
  timers_->Stop(retry_timer_);
  commands_.Close();
  subscriber_.Close();
}

void RedisLink::SetState(State s) {
  if (state_ == s) return;
  state_ = s;
  since_wall_ms_ = clock_->WallMs();
}

void RedisLink::Connect() {
  retry_timer_ = 0;
  ++generation_;
  authenticated_ = subscribed_ = false;
  attempt_started_ms_ = clock_->NowMs();
  if (state_ != State::kDown) SetState(State::kConnecting);
  const RedisAddress& a = options_.address;
  if (a.is_unix() || IsNumeric(a.host)) {
    Resolved(a.is_unix() ? "" : a.host);
    return;
  }
  // A host name is looked up off the loop (libuv's thread pool): hiredis would block on it.
  auto* r = new Resolve{{}, this};
  r->req.data = r;
  resolving_ = &r->req;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = uv_getaddrinfo(loop_, &r->req, &RedisLink::OnResolved, a.host.c_str(), nullptr, &hints);
  if (rc != 0) {
    resolving_ = nullptr;
    delete r;
    Fail(std::string("cannot look up ") + a.host + ": " + uv_strerror(rc));
  }
}

void RedisLink::OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res) {
  std::unique_ptr<Resolve> r(static_cast<Resolve*>(req->data));
  RedisLink* self = r->link;
  std::string ip;
  if (status == 0 && res) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (res->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr, buf, sizeof buf);
    } else {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(res->ai_addr)->sin6_addr, buf,
                sizeof buf);
    }
    ip = buf;
  }
  uv_freeaddrinfo(res);
  if (!self) return;
  self->resolving_ = nullptr;
  if (ip.empty()) {
    self->Fail("cannot look up " + self->options_.address.host + ": " +
               (status ? uv_strerror(status) : "no address"));
    return;
  }
  self->Resolved(ip);
}

void RedisLink::Resolved(const std::string& ip) {
  uint64_t gen = generation_;
  auto down = [this, gen](const std::string& why) {
    if (gen == generation_) Fail(why);
  };
  const RedisAddress& a = options_.address;
  Status s = commands_.Open(ip, a.port, a.path, nullptr, down);
  if (s.ok()) s = subscriber_.Open(ip, a.port, a.path, nullptr, down);
  if (!s.ok()) {
    Fail(s.message());
    return;
  }
  int64_t now = clock_->NowMs();
  last_sent_ms_ = now;
  // Commands queue until the socket connects; AUTH goes first on each connection.
  auto auth_reply = [this, gen](const char* which) {
    return [this, gen, which](const redisReply* r) {
      if (gen != generation_ || !r) return;
      if (r->type == REDIS_REPLY_ERROR) {
        // Redis's error never repeats the password.
        Fail(std::string("Redis refused the password on the ") + which +
             " connection: " + std::string(r->str, r->len));
      }
    };
  };
  if (!options_.password.empty()) {
    commands_.Command({"AUTH", options_.password}, auth_reply("command"), now);
    subscriber_.Command({"AUTH", options_.password}, auth_reply("subscriber"), now);
  }
  commands_.Command(
      {"PING"},
      [this, gen](const redisReply* r) {
        if (gen != generation_ || !r) return;
        if (r->type == REDIS_REPLY_ERROR) {
          Fail("Redis answered PING with " + std::string(r->str, r->len));
          return;
        }
        authenticated_ = true;
        MaybeUp();
      },
      now);
  subscriber_.Subscribe(
      options_.channel,
      [this, gen] {
        if (gen != generation_) return;
        subscribed_ = true;
        MaybeUp();
      },
      [this, gen](std::string_view payload) {
        if (gen == generation_ && state_ == State::kUp && events_.message) events_.message(payload);
      });
}

void RedisLink::MaybeUp() {
  if (!authenticated_ || !subscribed_ || state_ == State::kUp) return;
  bool was_down = outage_logged_;
  if (was_down) {
    ++reconnects_;
    spdlog::info("fleet: Redis at {} is back after {} s; catching up",
                 options_.address.ToString(), (clock_->NowMs() - down_since_ms_) / 1000);
  } else {
    spdlog::info("fleet: linked to Redis at {}", options_.address.ToString());
  }
  outage_logged_ = false;
  last_error_.clear();
  backoff_.Reset();
  SetState(State::kUp);
  if (events_.up) events_.up();
}

void RedisLink::Fail(const std::string& why) {
  if (!started_) return;
  ++generation_;
  bool was_up = state_ == State::kUp;
  commands_.Close();
  subscriber_.Close();
  last_error_ = why;
  if (!outage_logged_) {
    // Once per outage: a Redis that stays down is not news every 5 s.
    spdlog::warn("fleet: {} Redis at {}: {}; this host carries on alone and reconnects",
                 was_up ? "lost" : "cannot reach", options_.address.ToString(), why);
    outage_logged_ = true;
    down_since_ms_ = clock_->NowMs();
  } else {
    spdlog::debug("fleet: Redis at {} still unreachable: {}", options_.address.ToString(), why);
  }
  SetState(State::kDown);
  if (was_up && events_.down) events_.down(why);
  if (!started_) return;  // the callback may have stopped the link
  timers_->Stop(retry_timer_);
  retry_timer_ = timers_->Start(backoff_.Next(), [this] { Connect(); });
}

bool RedisLink::Command(const std::vector<std::string>& args, RedisConnection::OnReply cb) {
  if (state_ != State::kUp) return false;
  last_sent_ms_ = clock_->NowMs();
  return commands_.Command(args, std::move(cb), last_sent_ms_);
}

void RedisLink::Watch() {
  if (!started_) return;
  int64_t now = clock_->NowMs();
  int64_t limit = options_.timeout_ms;
  if (state_ == State::kConnecting || (state_ == State::kDown && retry_timer_ == 0)) {
    if (now - attempt_started_ms_ > limit) {
      Fail("no connection within " + std::to_string(limit) + " ms");
    }
  } else if (state_ == State::kUp) {
    if (commands_.OldestWaitMs(now) > limit) {
      Fail("no reply within " + std::to_string(limit) + " ms");
    } else if (now - last_sent_ms_ >= limit) {
      // An idle link is still checked: a Redis that stopped answering shows in `status`.
      Command({"PING"}, nullptr);
    }
  }
  watch_timer_ = timers_->Start(std::max<int64_t>(10, limit / 4), [this] { Watch(); });
}

}  // namespace switchyard
