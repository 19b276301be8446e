// The dashboard on the HTTP front door: GET / is one page, served from the binary
// (front/dashboard_assets.h), that reads GET /api/dashboard every second: what `status`
// says, each breaker's last transition, and the history's last hour (requests a minute by the
// model that served, fallbacks by reason, each model's outcome mix) and day (breaker
// transitions), read off the loop on libuv's thread pool and shared by the requests that
// ask while it is read; status is read anew every time, the history's digest less often.
//
// With http.api_key_file set, the page is behind the key. A browser cannot send a bearer on
// a page load, so GET / answers a form; POST /login with the key starts a session kept in an
// HttpOnly, SameSite=Strict cookie (the key never in a URL). Without a session nothing but
// the form is served; /api/dashboard also takes the key itself (scripts). Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "front/http_server.h"
#include "protocol/messages.h"
#include "store/history_digest.h"

namespace switchyard {

class Dashboard {
 public:
  struct Context {
    std::function<StatusResult()> status;
    std::string api_key;  // "" : no key, no sessions
    const Clock* clock = nullptr;
    uv_loop_t* loop = nullptr;  // null: the history is not read
    std::string history_path;   // "" : the history is off
  };
  explicit Dashboard(Context ctx) : ctx_(std::move(ctx)) {}
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  void set_server(HttpServer* server) { server_ = server; }
  // A new key ends every session.
  void set_api_key(std::string key);

  // The paths it answers: /, /login, /logout, its assets, /favicon.ico and /api/dashboard.
  static bool Serves(std::string_view path);
  void OnRequest(uint64_t conn, HttpRequestIn&& req);

  // Sessions live this long from their login.
  static constexpr int64_t kSessionMs = int64_t{12} * 3600 * 1000;
  // A digest is served again rather than read anew for this long, or ten times as long as it
  // took to read, whichever is longer: the thread pool spends at most a tenth of its time on
  // the dashboard, however large the history's hour (bench/README.md: 0.3 s for 100,000
  // requests in it, 3.3 s for 1,000,000).
  static constexpr int64_t kDigestFreshMs = 900;
  static constexpr int64_t kDigestReadsShare = 10;

 private:
  struct Read;  // a digest being read on the thread pool
  bool HasSession(const HttpRequestIn& req);
  void Login(uint64_t conn, const HttpRequestIn& req);
  void ServeState(uint64_t conn);
  void Answer(const std::vector<uint64_t>& conns);
  std::string StateJson() const;
  void Text(uint64_t conn, int status, std::string_view type, std::string_view body,
            std::vector<std::pair<std::string, std::string>> more = {});

  Context ctx_;
  HttpServer* server_ = nullptr;
  std::map<std::string, int64_t> sessions_;  // token -> when it ends (monotonic ms)
  HistoryDigest digest_;
  std::string digest_error_;
  int64_t digest_at_ms_ = -1;                 // monotonic; -1: never read
  int64_t digest_fresh_ms_ = kDigestFreshMs;  // how long this one is served
  std::vector<uint64_t> waiting_;             // connections waiting for the read in flight
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace switchyard
