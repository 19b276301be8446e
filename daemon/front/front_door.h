// What the HTTP listener serves: Prometheus' GET /metrics and the OpenAI-compatible API's
// GET /v1/models (each route is a "model"). With http.api_key_file set, every request needs
// "Authorization: Bearer <key>". Errors come in OpenAI's shape:
// {"error": {"message", "type", "code"}}. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

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
  };
  explicit FrontDoor(Context ctx) : ctx_(std::move(ctx)) {}
  void set_server(HttpServer* server) { server_ = server; }
  void set_api_key(std::string key) { ctx_.api_key = std::move(key); }

  void OnRequest(uint64_t conn, HttpRequestIn&& req) override;
  void OnClosed(uint64_t conn) override;

 private:
  void Error(uint64_t conn, int status, const std::string& type, const std::string& code,
             const std::string& message);
  bool Authorized(const HttpRequestIn& req) const;

  Context ctx_;
  HttpServer* server_ = nullptr;
};

}  // namespace switchyard
