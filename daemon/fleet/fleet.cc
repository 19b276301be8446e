#include "fleet/fleet.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <random>

namespace switchyard {
namespace {

// Deletes the lease only if this host still holds it: one that expired and went to another
// host is left alone.
constexpr const char* kReleaseScript =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
    "else return 0 end";

// How long a breaker's last verdict stays in Redis past its cool-down, for hosts that join
// or come back later.
constexpr int64_t kVerdictKeptMs = 3600000;

// Refused a turn, a host asks again no sooner than this.
constexpr int64_t kAskAgainMs = 500;

std::string NewInstance() {
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

bool IsString(const redisReply* r) { return r && r->type == REDIS_REPLY_STRING; }

// Another host's verdict, as this host's history records it.
std::string ReasonFrom(const FleetBreakerEvent& e) {
  return "host " + e.host + " (fleet): " + e.reason;
}

}  // namespace

Fleet::Fleet(const FleetConfig& config, Deps deps)
    : config_(config), deps_(deps), instance_(NewInstance()) {
  RedisLink::Options o;
  if (!ParseRedisAddress(config_.redis, &o.address).ok()) {
    spdlog::error("fleet.redis {} is not an address", config_.redis);  // the config checks it
  }
  o.password = config_.password;
  o.channel = config_.name + ":breakers";
  o.timeout_ms = config_.timeout_ms;
  RedisLink::Events ev;
  ev.up = [this] { Up(); };
  ev.down = [this](const std::string& why) { Down(why); };
  ev.message = [this](std::string_view payload) { Message(payload); };
  link_ = std::make_unique<RedisLink>(deps_.loop, deps_.timers, deps_.clock, std::move(o),
                                      std::move(ev));
}

Fleet::~Fleet() { Stop(); }

void Fleet::Start() {
  spdlog::info("fleet: host {} of fleet {}, through Redis at {}", config_.host, config_.name,
               config_.redis);
  link_->Start();
  share_timer_ = deps_.timers->Start(config_.publish_interval_ms, [this] { Share(); });
}

void Fleet::Stop() {
  deps_.timers->Stop(share_timer_);
  share_timer_ = 0;
  for (auto& [model, t] : turns_) deps_.timers->Stop(t.expiry);
  turns_.clear();
  link_->Stop();
}

std::string Fleet::Key(std::string_view what, std::string_view name) const {
  std::string k = config_.name;
  k += ':';
  k += what;
  k += ':';
  k += name;
  return k;
}

FleetStatus Fleet::Describe() const {
  FleetStatus s;
  s.state = RedisLink::StateName(link_->state());
  s.redis = config_.redis;
  s.name = config_.name;
  s.host = config_.host;
  s.since_ms = link_->since_wall_ms();
  s.last_error = link_->last_error();
  s.hosts = hosts_;
  s.events_sent = events_sent_;
  s.events_applied = events_applied_;
  s.reconnects = link_->reconnects();
  return s;
}

void Fleet::Up() {
  for (auto& [model, t] : turns_) deps_.timers->Stop(t.expiry);
  turns_.clear();
  deps_.router->HoldBreakers(true);
  CatchUp();
  PublishSummaries();
  FetchSummaries();
}

void Fleet::Down(const std::string&) {
  // Alone again: every breaker probes on its own schedule, as without a fleet.
  for (auto& [model, t] : turns_) deps_.timers->Stop(t.expiry);
  turns_.clear();
  deps_.router->HoldBreakers(false);
}

FleetBreakerEvent Fleet::Verdict(const std::string& model, std::string reason) const {
  FleetBreakerEvent e;
  e.model = model;
  e.host = config_.host;
  e.instance = instance_;
  e.reason = std::move(reason);
  e.ts_ms = deps_.clock->WallMs();
  return e;
}

void Fleet::Publish(const FleetBreakerEvent& e) {
  std::string json = deps_.redactor ? deps_.redactor->Redact(EncodeBreakerEvent(e))
                                    : EncodeBreakerEvent(e);
  int64_t keep = kVerdictKeptMs;
  if (e.open) keep += std::max<int64_t>(0, e.open_until_ms - deps_.clock->WallMs());
  link_->Command({"SET", Key("breaker", e.model), json, "PX", std::to_string(keep)}, nullptr);
  if (link_->Command({"PUBLISH", config_.name + ":breakers", json}, nullptr)) ++events_sent_;
}

void Fleet::BreakerMoved(const std::string& model, const BreakerTransition& t,
                         int64_t open_until_wall_ms, int64_t cooldown_ms) {
  if (!link_->up() || t.to == BreakerState::kHalfOpen) return;
  FleetBreakerEvent e = Verdict(model, t.reason);
  e.open = t.to == BreakerState::kOpen;
  e.open_until_ms = open_until_wall_ms;
  e.cooldown_ms = cooldown_ms;
  Publish(e);
  EndTurn(model);
}

void Fleet::TurnWanted(const std::string& model) {
  if (!link_->up()) return;
  Turn& turn = turns_[model];
  int64_t now = deps_.clock->NowMs();
  if (turn.asking || turn.held || now < turn.next_ask_ms) return;
  turn.asking = true;
  bool sent = link_->Command(
      {"SET", Key("probe", model), instance_, "NX", "PX", std::to_string(config_.probe_lease_ms)},
      [this, model](const redisReply* r) {
        auto it = turns_.find(model);
        if (it == turns_.end()) return;  // the link went down meanwhile
        Turn& t = it->second;
        t.asking = false;
        if (!r) return;
        if (r->type != REDIS_REPLY_STATUS) {  // nil: another host holds it
          t.next_ask_ms = deps_.clock->NowMs() + kAskAgainMs;
          return;
        }
        t.held = true;
        deps_.router->HoldBreaker(model, false);
        spdlog::info("fleet: this host probes {} for the fleet", model);
        t.expiry = deps_.timers->Start(config_.probe_lease_ms, [this, model] {
          auto e = turns_.find(model);
          if (e == turns_.end() || !e->second.held) return;
          // No verdict within the lease (no request came to probe with): the turn passes.
          e->second.held = false;
          e->second.expiry = 0;
          deps_.router->HoldBreaker(model, link_->up());
        });
      });
  if (!sent) turn.asking = false;
}

void Fleet::EndTurn(const std::string& model) {
  auto it = turns_.find(model);
  if (it == turns_.end() || !it->second.held) return;
  it->second.held = false;
  deps_.timers->Stop(it->second.expiry);
  it->second.expiry = 0;
  link_->Command({"EVAL", kReleaseScript, "1", Key("probe", model), instance_}, nullptr);
  deps_.router->HoldBreaker(model, link_->up());
}

void Fleet::Message(std::string_view payload) {
  FleetBreakerEvent e;
  Status s = DecodeBreakerEvent(payload, &e);
  if (!s.ok()) {
    spdlog::warn("fleet: a message on {}:breakers is ignored: {}", config_.name, s.message());
    return;
  }
  if (e.instance == instance_) return;
  ++events_applied_;
  std::string reason = ReasonFrom(e);
  if (e.open) {
    if (e.open_until_ms > deps_.clock->WallMs()) {
      deps_.router->ApplyFleetOpen(e.model, e.open_until_ms, e.cooldown_ms, reason);
    }
  } else {
    deps_.router->ApplyFleetClose(e.model, reason);
  }
  // Another host has the verdict: this host's turn, if it had one, is moot.
  EndTurn(e.model);
}

void Fleet::CatchUp() {
  for (const Router::BreakerView& v : deps_.router->Breakers()) {
    std::string model = v.model;
    link_->Command({"GET", Key("breaker", model)}, [this, model](const redisReply* r) {
      if (!r) return;
      FleetBreakerEvent stored;
      bool have = IsString(r) && DecodeBreakerEvent(std::string_view(r->str, r->len), &stored).ok();
      int64_t wall = deps_.clock->WallMs();
      if (have && stored.instance != instance_ && stored.open && stored.open_until_ms > wall) {
        deps_.router->ApplyFleetOpen(model, stored.open_until_ms, stored.cooldown_ms,
                                     ReasonFrom(stored));
      }
      // What this host learned while apart, the others learn now.
      Router::BreakerView local;
      if (!deps_.router->FindBreaker(model, &local) || local.state != BreakerState::kOpen ||
          local.open_until_wall_ms <= wall) {
        return;
      }
      if (have && stored.open && stored.open_until_ms >= local.open_until_wall_ms) return;
      FleetBreakerEvent e = Verdict(model, "opened while this host was apart from the fleet");
      e.open = true;
      e.open_until_ms = local.open_until_wall_ms;
      e.cooldown_ms = local.cooldown_ms;
      Publish(e);
    });
  }
}

void Fleet::Share() {
  share_timer_ = deps_.timers->Start(config_.publish_interval_ms, [this] { Share(); });
  if (link_->up()) {
    PublishSummaries();
    FetchSummaries();
    return;
  }
  // Apart from the fleet for long: its summaries have gone stale, and so has what was read.
  int64_t stale = 3 * config_.publish_interval_ms;
  if (views_fetched_ms_ >= 0 && deps_.clock->NowMs() - views_fetched_ms_ > stale) {
    deps_.answers->SetFleetView({});
    deps_.first_token->SetFleetView({});
    views_fetched_ms_ = -1;
    hosts_ = 0;
  }
}

void Fleet::PublishSummaries() {
  int64_t now = deps_.clock->NowMs();
  int64_t wall = deps_.clock->WallMs();
  HostSummaries h;
  h.host = config_.host;
  h.instance = instance_;
  h.ts_ms = wall;
  const std::pair<const char*, TimeoutPolicy*> kinds[] = {{"answer", deps_.answers},
                                                          {"first_token", deps_.first_token}};
  for (const auto& [kind, policy] : kinds) {
    for (TimeoutPolicy::Window& w : policy->Windows(now)) {
      LatencySummary s;
      s.kind = kind;
      s.model = std::move(w.model);
      s.task = std::move(w.task);
      s.all = w.all;
      s.censored = w.censored;
      h.summaries.push_back(std::move(s));
    }
  }
  std::string json = EncodeHostSummaries(h);
  if (deps_.redactor) json = deps_.redactor->Redact(json);
  int64_t fresh = 3 * config_.publish_interval_ms;
  link_->Command({"SET", Key("latency", instance_), json, "PX", std::to_string(fresh)}, nullptr);
  link_->Command({"ZADD", config_.name + ":hosts", std::to_string(wall), instance_}, nullptr);
  link_->Command(
      {"ZREMRANGEBYSCORE", config_.name + ":hosts", "-inf", "(" + std::to_string(wall - fresh)},
      nullptr);
}

void Fleet::FetchSummaries() {
  int64_t wall = deps_.clock->WallMs();
  int64_t fresh = 3 * config_.publish_interval_ms;
  link_->Command(
      {"ZRANGEBYSCORE", config_.name + ":hosts", std::to_string(wall - fresh), "+inf"},
      [this](const redisReply* r) {
        if (!r || r->type != REDIS_REPLY_ARRAY) return;
        hosts_ = static_cast<int64_t>(r->elements);
        std::vector<std::string> mget = {"MGET"};
        for (size_t i = 0; i < r->elements; ++i) {
          if (!IsString(r->element[i])) continue;
          std::string instance(r->element[i]->str, r->element[i]->len);
          if (instance != instance_) mget.push_back(Key("latency", instance));
        }
        if (mget.size() == 1) {
          Merge({});
          return;
        }
        link_->Command(mget, [this](const redisReply* m) {
          if (!m || m->type != REDIS_REPLY_ARRAY) return;
          std::vector<HostSummaries> hosts;
          for (size_t i = 0; i < m->elements; ++i) {
            if (!IsString(m->element[i])) continue;  // expired since it was listed
            HostSummaries h;
            Status s = DecodeHostSummaries(std::string_view(m->element[i]->str, m->element[i]->len),
                                           &h);
            if (!s.ok()) {
              spdlog::warn("fleet: a latency summary is ignored: {}", s.message());
              continue;
            }
            hosts.push_back(std::move(h));
          }
          Merge(hosts);
        });
      });
}

void Fleet::Merge(const std::vector<HostSummaries>& hosts) {
  std::map<TimeoutPolicy::Key2, TimeoutPolicy::FleetSamples> answers, first_token;
  for (const HostSummaries& h : hosts) {  // the others': this host's own were not fetched
    for (const LatencySummary& s : h.summaries) {
      auto& into = (s.kind == "answer" ? answers : first_token)[{s.model, s.task}];
      into.all.Merge(s.all);
      into.censored.Merge(s.censored);
    }
  }
  deps_.answers->SetFleetView(std::move(answers));
  deps_.first_token->SetFleetView(std::move(first_token));
  views_fetched_ms_ = deps_.clock->NowMs();
}

}  // namespace switchyard
