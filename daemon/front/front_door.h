// What the HTTP listener serves: the dashboard (GET /, front/dashboard.h), Prometheus' GET
// /metrics, the OpenAI-compatible API (POST
// /v1/chat/completions, its `model` naming a route; the answer's `model` is the model that
// served) and GET /v1/models (the routes), and the Anthropic-compatible POST /v1/messages
// (front/anthropic_door.h). With http.api_key_file set, every request needs the key, as
// "Authorization: Bearer <key>" or "x-api-key: <key>" (what Anthropic's SDK sends). Errors
// come in the shape of the API asked: OpenAI's {"error": {"message", "type", "code"}}, or
// Anthropic's under /v1/messages; an OpenAI stream that fails after its first chunk ends with
// such an error event, never with "data: [DONE]". Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "front/anthropic_door.h"
#include "front/dashboard.h"
#include "front/http_server.h"
#include "metrics/metrics.h"
#include "router/router.h"

namespace switchyard {

class FrontDoor final : public HttpServer::Handler {
 public:
  struct Context {
    Router* router = nullptr;
    const Metrics* metrics = nullptr;
    std::function<StatusResult()> status;  // the daemon's status now
    std::string api_key;                   // empty: no key needed
    const Clock* clock = nullptr;          // for `created`
    Timers* timers = nullptr;              // for streams' pings; null: none
    int64_t stream_ping_ms = 10000;
    uv_loop_t* loop = nullptr;  // the dashboard reads the history on its thread pool
    std::string history_path;   // "" when the history is off
  };
  explicit FrontDoor(Context ctx)
      : ctx_(std::move(ctx)),
        anthropic_(ctx_.router, ctx_.timers, ctx_.stream_ping_ms),
        dashboard_({ctx_.status, ctx_.api_key, ctx_.clock, ctx_.loop, ctx_.history_path}) {}
  void set_server(HttpServer* server) {
    server_ = server;
    anthropic_.set_server(server);
    dashboard_.set_server(server);
  }
  void set_api_key(std::string key) {
    ctx_.api_key = key;
    dashboard_.set_api_key(std::move(key));
  }
  // From now on chat completions are answered 503 (the daemon is draining).
  void StopTakingRequests() { stopping_ = true; }
  // The router's connection id of HTTP connection `conn` (apart from the socket server's).
  static uint64_t OriginOf(uint64_t conn) { return (uint64_t{1} << 63) | conn; }

  void OnRequest(uint64_t conn, HttpRequestIn&& req) override;
  void OnClosed(uint64_t conn) override;
  std::string ErrorBody(int status, const std::string& why, std::string_view target) override;

 private:
  void Error(uint64_t conn, int status, const std::string& type, const std::string& code,
             const std::string& message);
  bool Authorized(const HttpRequestIn& req) const;
  void OnChat(uint64_t conn, HttpRequestIn&& req);

  Context ctx_;
  AnthropicDoor anthropic_;
  Dashboard dashboard_;
  HttpServer* server_ = nullptr;
  bool stopping_ = false;
};

}  // namespace switchyard
