// The Anthropic-compatible side of the HTTP front door: POST /v1/messages (its `model` names
// a route; the answer's `model` is the model that served), in Anthropic's exact shapes for
// answers, streams and errors, whichever provider served; and POST
// /v1/messages/count_tokens, answered from the daemon's calibrated estimate for the route's
// first tier. The request is read and the answer written by the Anthropic translator
// (wire/anthropic_messages.h). An open stream sends a ping event every `ping_ms`, as
// Anthropic's do. Loop thread only.
#pragma once

#include <cstdint>
#include <string>

#include "base/timers.h"
#include "front/http_server.h"
#include "router/router.h"

namespace switchyard {

class AnthropicDoor {
 public:
  // `timers` null: no pings.
  AnthropicDoor(Router* router, Timers* timers, int64_t ping_ms)
      : router_(router), timers_(timers), ping_ms_(ping_ms) {}
  void set_server(HttpServer* server) { server_ = server; }

  void OnMessages(uint64_t conn, HttpRequestIn&& http, RequestOrigin origin);
  void OnCountTokens(uint64_t conn, const HttpRequestIn& http);
  // An error in Anthropic's shape, with the status its SDK maps to its error classes.
  void Error(uint64_t conn, int status, const std::string& message);
  static std::string ErrorBody(int status, const std::string& message);

 private:
  Router* router_;
  Timers* timers_;
  int64_t ping_ms_;
  HttpServer* server_ = nullptr;
};

}  // namespace switchyard
