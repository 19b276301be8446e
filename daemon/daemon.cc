#include "daemon.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <uv.h>

#include <algorithm>
#include <map>

#include "base/clock.h"
#include "fleet/fleet.h"
#include "front/front_door.h"
#include "front/http_server.h"
#include "http/curl_http_client.h"
#include "http/http1_client.h"
#include "http/http_dispatch.h"
#include "http/redacting_http_client.h"
#include "ipc/server.h"
#include "loop/uv_timers.h"
#include "metrics/metered_store.h"
#include "metrics/metrics.h"
#include "resilience/timeout_policy.h"
#include "router/router.h"
#include "rpc_service.h"
#include "service_manager.h"
#include "status_snapshot.h"
#include "store/sqlite_store.h"
#include "version.h"
#include "warm_start.h"

namespace switchyard {

class Daemon::Impl final {
 public:
  Impl(Config config, DaemonOptions options)
      : config_(std::make_shared<const Config>(std::move(config))), options_(std::move(options)) {}

  int Run();

 private:
  // Every second: the log lines held back are counted.
  void Tick();
  void BeginShutdown(const char* why);
  void CheckDrained();
  void Teardown();
  Status OpenHistory();
  // The HTTP front door, when configured: /metrics and the OpenAI-compatible API.
  Status OpenFrontDoor();
  void Reload();
  void LogHttpClients();
  void AddSecrets(const Config& config);
  std::string StatusLine();

  static void OnSignal(uv_signal_t* handle, int signum);

  std::shared_ptr<const Config> config_;
  DaemonOptions options_;
  RealClock clock_;
  uv_loop_t loop_{};
  std::unique_ptr<CurlHttpClient> http_;
  std::unique_ptr<Http1Client> http1_;
  std::unique_ptr<HttpDispatch> dispatch_;
  // Every key of every config this process has loaded: a key a reload removed may still be
  // echoed by a call that started before it.
  Redactor redactor_;
  std::unique_ptr<RedactingHttpClient> provider_http_;
  std::unique_ptr<UvTimers> timers_;
  TimeoutPolicy policy_;
  TimeoutPolicy first_token_policy_;
  TokenCalibration calibration_;
  DailySpend spend_;
  std::unique_ptr<SqliteStore> store_;
  Metrics metrics_;
  // What the router writes to when the front door serves /metrics: store_ + metrics_.
  std::unique_ptr<MeteredStore> metered_store_;
  std::map<std::string, BreakerTransitionRecord> last_transition_;  // from the history, at start
  std::unique_ptr<Router> router_;
  std::unique_ptr<Fleet> fleet_;
  std::unique_ptr<RpcService> rpc_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<FrontDoor> front_;
  std::unique_ptr<HttpServer> http_server_;
  std::unique_ptr<ServiceManager> service_;
  uv_signal_t sigterm_{}, sigint_{}, sighup_{};
  bool stopping_ = false;
  int64_t started_ms_ = 0;
  int64_t drain_until_ms_ = 0;
};

Daemon::Daemon(Config config, DaemonOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(options))) {}

Daemon::~Daemon() = default;

int Daemon::Run() { return impl_->Run(); }

namespace {

// Every request in flight holds a provider socket and every client a Unix socket; the
// default soft limit of 1024 descriptors would cap the daemon near 1,000 of each.
void RaiseFileLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

int Daemon::Impl::Run() {
  RaiseFileLimit();
  uv_loop_init(&loop_);
  started_ms_ = clock_.NowMs();
  http_ = std::make_unique<CurlHttpClient>(&loop_);
  http1_ = std::make_unique<Http1Client>(&loop_);
  bool proxied = HttpDispatch::ProxyInEnvironment();
  if (proxied) {
    spdlog::info("a proxy is set in the environment: every provider call goes through libcurl");
  }
  dispatch_ = std::make_unique<HttpDispatch>(http1_.get(), http_.get(), proxied);
  AddSecrets(*config_);
  provider_http_ = std::make_unique<RedactingHttpClient>(dispatch_.get(), &redactor_);
  LogHttpClients();
  timers_ = std::make_unique<UvTimers>(&loop_);
  Status hs = OpenHistory();
  if (!hs.ok()) {
    spdlog::error("{}", hs.message());
    http_->Close();
    http1_->Close();
    uv_run(&loop_, UV_RUN_DEFAULT);
    (void)uv_loop_close(&loop_);
    return 1;
  }
  RouterContext ctx;
  ctx.http = provider_http_.get();
  ctx.timers = timers_.get();
  ctx.clock = &clock_;
  ctx.policy = &policy_;
  ctx.first_token_policy = &first_token_policy_;
  ctx.calibration = &calibration_;
  ctx.spend = &spend_;
  // Metrics are read only through the HTTP front door: without one, nothing counts them.
  if (config_->http.enabled()) {
    metered_store_ = std::make_unique<MeteredStore>(store_.get(), &metrics_);
    ctx.store = metered_store_.get();
  } else {
    ctx.store = store_.get();
  }
  ctx.redactor = &redactor_;
  ctx.first_request_id = store_ ? store_->first_request_id() : 1;
  router_ = std::make_unique<Router>(config_, ctx);
  // Breakers that were open when the daemon stopped stay open for the rest of their cool-down.
  for (const auto& [model, t] : last_transition_) {
    if (t.to_state == "open")
      router_->RestoreBreaker(model, t.open_until_ms, t.open_until_ms - t.ts_ms);
  }
  if (config_->fleet.enabled()) {
    Fleet::Deps fd;
    fd.loop = &loop_;
    fd.router = router_.get();
    fd.answers = &policy_;
    fd.first_token = &first_token_policy_;
    fd.clock = &clock_;
    fd.timers = timers_.get();
    fd.redactor = &redactor_;
    fleet_ = std::make_unique<Fleet>(config_->fleet, fd);
    router_->set_breaker_listener(fleet_.get());
    fleet_->Start();
  }
  Server::Options so;
  so.limits.max_frame_bytes = static_cast<size_t>(config_->daemon.max_frame_bytes);
  so.max_pending_write_bytes = static_cast<size_t>(config_->daemon.max_pending_write_bytes);
  so.socket_mode = static_cast<int>(config_->daemon.socket_mode);
  so.allow_uids = config_->daemon.allow_uids;
  so.allow_gids = config_->daemon.allow_gids;
  so.frame_timeout_ms = config_->daemon.frame_timeout_ms;
  // An answer goes out only once its request is in the history's journal: a kill -9 loses no
  // request a client heard back about (store/history_journal.h).
  if (store_) {
    so.before_send = [this] { store_->FlushJournal(); };
    so.after_send = [this] { store_->TidyJournal(); };
  }
  RpcService::Context rpc;
  rpc.router = router_.get();
  rpc.store = store_.get();
  rpc.fleet = fleet_.get();
  rpc.clock = &clock_;
  rpc.started_ms = started_ms_;
  rpc_ = std::make_unique<RpcService>(rpc);
  server_ = std::make_unique<Server>(&loop_, rpc_.get(), so);
  rpc_->set_server(server_.get());
  service_ = std::make_unique<ServiceManager>(&loop_);

  int passed_fd = -1;
  Status s = ServiceManager::PassedSocket(&passed_fd);
  // The HTTP doors open first: a client that reaches the socket may count on every door
  // being open (the tests wait on the socket, then talk HTTP).
  if (s.ok()) s = OpenFrontDoor();
  if (s.ok()) {
    s = passed_fd >= 0 ? server_->ListenOnFd(passed_fd) : server_->Listen(config_->daemon.socket);
  }
  if (!s.ok()) {
    spdlog::error("cannot listen: {}", s.ToString());
    Teardown();
    uv_run(&loop_, UV_RUN_DEFAULT);  // lets the close callbacks run
    (void)uv_loop_close(&loop_);
    return 1;
  }
  uv_signal_init(&loop_, &sigterm_);
  uv_signal_init(&loop_, &sigint_);
  uv_signal_init(&loop_, &sighup_);
  sigterm_.data = sigint_.data = sighup_.data = this;
  uv_signal_start(&sigterm_, &Impl::OnSignal, SIGTERM);
  uv_signal_start(&sigint_, &Impl::OnSignal, SIGINT);
  uv_signal_start(&sighup_, &Impl::OnSignal, SIGHUP);
  spdlog::info("switchyardd {} listening on {} ({} routes, {} models)", kSwitchyardVersion,
               passed_fd >= 0 ? "the socket systemd passed" : config_->daemon.socket,
               config_->routes.size(), config_->models.size());
  Tick();
  // Only now, with the socket and the history open, is the daemon ready.
  service_->Ready(StatusLine());
  service_->Start([this] { return StatusLine(); });

  uv_run(&loop_, UV_RUN_DEFAULT);
  int rc = uv_loop_close(&loop_);
  if (rc != 0) {
    spdlog::error("event loop closed with handles still open: {}", uv_strerror(rc));
    return 1;
  }
  spdlog::info("stopped");
  return 0;
}

Status Daemon::Impl::OpenFrontDoor() {
  const HttpConfig& h = config_->http;
  if (!h.enabled()) return Status::Ok();
  FrontDoor::Context fc;
  fc.router = router_.get();
  fc.metrics = &metrics_;
  fc.status = [this] {
    return StatusSnapshot(*router_, store_.get(), fleet_.get(), clock_, started_ms_,
                          static_cast<int64_t>(server_->connections() +
                                               (http_server_ ? http_server_->connections() : 0)));
  };
  fc.api_key = h.api_key;
  fc.clock = &clock_;
  fc.timers = timers_.get();
  fc.stream_ping_ms = h.stream_ping_ms;
  fc.loop = &loop_;
  if (config_->history.enabled) fc.history_path = config_->daemon.history;
  front_ = std::make_unique<FrontDoor>(std::move(fc));
  HttpServer::Options ho;
  ho.max_body_bytes = static_cast<size_t>(h.max_body_bytes);
  ho.max_header_bytes = static_cast<size_t>(h.max_header_bytes);
  ho.read_timeout_ms = h.read_timeout_ms;
  ho.socket_mode = static_cast<int>(config_->daemon.socket_mode);
  ho.allow_uids = config_->daemon.allow_uids;
  ho.allow_gids = config_->daemon.allow_gids;
  if (store_) {
    ho.before_send = [this] { store_->FlushJournal(); };
    ho.after_send = [this] { store_->TidyJournal(); };
  }
  http_server_ = std::make_unique<HttpServer>(&loop_, front_.get(), ho);
  front_->set_server(http_server_.get());
  if (!h.listen.empty()) {
    Status s = http_server_->ListenTcp(h.listen);
    if (!s.ok()) return Status::IoError("http.listen " + h.listen + ": " + s.message());
    spdlog::info(
        "http: listening on {} (/v1/chat/completions, /v1/messages, /v1/models, /metrics){}",
        h.listen, h.api_key.empty() ? "" : "; a key is needed");
  }
  if (!h.socket.empty()) {
    Status s = http_server_->ListenUnix(h.socket);
    if (!s.ok()) return Status::IoError("http.socket " + h.socket + ": " + s.message());
    spdlog::info("http: listening on {}", h.socket);
  }
  return Status::Ok();
}

Status Daemon::Impl::OpenHistory() {
  if (!config_->history.enabled) {
    spdlog::info("history is off: timeouts are learned from this run only");
    return Status::Ok();
  }
  StoreOptions so;
  so.path = config_->daemon.history;
  so.retention_days = config_->history.retention_days;
  so.fallback_answers_retention_days = config_->history.fallback_answers_retention_days;
  so.max_size_bytes = config_->history.max_size_mb << 20;
  so.queue_rows = config_->history.queue_rows;
  so.flush_ms = config_->history.flush_ms;
  SY_RETURN_IF_ERROR(SqliteStore::Open(so, &store_));
  WarmState into;
  into.policy = &policy_;
  into.first_token_policy = &first_token_policy_;
  into.calibration = &calibration_;
  into.spend = &spend_;
  into.last_transition = &last_transition_;
  SY_RETURN_IF_ERROR(WarmStart(*store_, *config_, clock_, into));
  store_->Start();
  return Status::Ok();
}

void Daemon::Impl::OnSignal(uv_signal_t* handle, int signum) {
  auto* self = static_cast<Impl*>(handle->data);
  if (signum == SIGHUP) {
    self->Reload();
  } else {
    self->BeginShutdown(signum == SIGTERM ? "SIGTERM" : "SIGINT");
  }
}

void Daemon::Impl::Reload() {
  if (!options_.reload || stopping_) return;
  service_->Reloading();
  Config fresh;
  Status s = options_.reload(&fresh);
  if (!s.ok()) {
    spdlog::error("SIGHUP: the new configuration is refused, the running one stays: {}",
                  s.message());
    service_->Ready(StatusLine());
    return;
  }
  if (fresh.daemon.socket != config_->daemon.socket ||
      fresh.daemon.history != config_->daemon.history ||
      fresh.http.listen != config_->http.listen || fresh.http.socket != config_->http.socket ||
      fresh.fleet.redis != config_->fleet.redis || fresh.fleet.name != config_->fleet.name ||
      fresh.fleet.password != config_->fleet.password) {
    spdlog::warn(
        "SIGHUP: a new socket, http listener, history path or [fleet] takes effect at the next "
        "start");
  }
  auto cfg = std::make_shared<const Config>(std::move(fresh));
  AddSecrets(*cfg);
  router_->Reload(cfg);
  server_->SetAllowed(cfg->daemon.allow_uids, cfg->daemon.allow_gids);
  if (front_) front_->set_api_key(cfg->http.api_key);
  config_ = cfg;
  LogHttpClients();
  spdlog::info(
      "SIGHUP: configuration reloaded ({} routes, {} models); {} request(s) in flight finish "
      "under the previous one",
      config_->routes.size(), config_->models.size(), router_->in_flight());
  service_->Ready(StatusLine());
}

void Daemon::Impl::AddSecrets(const Config& config) {
  for (const auto& [name, p] : config.providers) {
    for (const std::string* secret :
         {&p.api_key, &p.aws_access_key_id, &p.aws_secret_access_key, &p.aws_session_token}) {
      redactor_.Add(*secret);
    }
  }
  redactor_.Add(config.http.api_key);
  redactor_.Add(config.fleet.password);
}

void Daemon::Impl::LogHttpClients() {
  // Which client carries each provider's calls: the URL itself is not logged, since it may
  // hold user info.
  for (const auto& [name, p] : config_->providers) {
    // Bedrock's calls are signed unless it has an API key (providers/bedrock.cc).
    bool signed_aws = p.kind == ProviderKind::kBedrock && p.api_key.empty();
    spdlog::info("provider {}: calls go through {}", name,
                 dispatch_->Plain(p.base_url, p.http_client_curl, signed_aws)
                     ? "switchyard's HTTP/1.1 client"
                     : "libcurl");
  }
}

std::string Daemon::Impl::StatusLine() {
  StatusResult st;
  router_->FillStatus(&st);
  std::string open;
  for (const ModelStatus& m : st.models) {
    if (m.breaker != "closed") open += (open.empty() ? "" : ", ") + m.name + " " + m.breaker;
  }
  std::string line = std::to_string(router_->in_flight()) + " request(s) in flight, " +
                     std::to_string(server_->connections()) +
                     " client(s); breakers: " + (open.empty() ? "all closed" : open);
  if (store_) {
    StoreStats ss = store_->Stats();
    line += "; history: " + std::to_string(ss.written_rows) + " rows written";
    if (ss.dropped_rows) line += ", " + std::to_string(ss.dropped_rows) + " dropped";
  }
  return line;
}

void Daemon::Impl::BeginShutdown(const char* why) {
  if (stopping_) return;
  stopping_ = true;
  rpc_->StopTakingRequests();
  if (front_) front_->StopTakingRequests();
  spdlog::info("{}: no longer accepting; draining {} request(s) in flight", why,
               router_->in_flight());
  service_->Stopping();
  server_->StopAccepting();
  if (http_server_) http_server_->StopAccepting();
  drain_until_ms_ = clock_.NowMs() + options_.drain_ms;
  CheckDrained();
}

void Daemon::Impl::CheckDrained() {
  if (router_->in_flight() > 0 && clock_.NowMs() < drain_until_ms_) {
    timers_->Start(20, [this] { CheckDrained(); });
    return;
  }
  if (router_->in_flight() > 0) {
    spdlog::warn("drain time over: answering {} request(s) with shutting_down",
                 router_->in_flight());
    router_->AbortAll("shutting_down", "the daemon stopped before this request finished");
  }
  Teardown();
}

void Daemon::Impl::Teardown() {
  if (router_) router_->AbortAll("shutting_down", "the daemon is stopping");
  if (router_) router_->FlushHeldBackLogs(true);
  if (server_) server_->CloseAll();
  if (http_server_) http_server_->CloseAll();
  if (router_) router_->set_breaker_listener(nullptr);
  if (fleet_) fleet_->Stop();
  if (timers_) timers_->StopAll();
  if (http_) http_->Close();
  if (http1_) http1_->Close();
  // Every answered request is queued by now: commit it before the process ends.
  if (store_) store_->Close();
  if (service_) service_->Close();
  for (uv_signal_t* sig : {&sigterm_, &sigint_, &sighup_}) {
    if (sig->loop && !uv_is_closing(reinterpret_cast<uv_handle_t*>(sig))) {
      uv_close(reinterpret_cast<uv_handle_t*>(sig), nullptr);
    }
  }
}

void Daemon::Impl::Tick() {
  router_->FlushHeldBackLogs();
  // Records no answer waits for (breaker transitions, abandoned requests) reach it too.
  if (store_) {
    store_->FlushJournal();
    store_->TidyJournal();
  }
  timers_->Start(1000, [this] { Tick(); });
}

}  // namespace switchyard
