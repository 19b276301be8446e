#include "front/anthropic_door.h"

#include <functional>
#include <memory>

#include "front/switchyard_headers.h"
#include "wire/anthropic_messages.h"

namespace switchyard {
namespace {

const HttpHeaders& JsonHeaders() {
  static const HttpHeaders h = {{"Content-Type", "application/json"}};
  return h;
}

// What a stream has sent so far.
struct MessageStream {
  bool started = false;  // the headers and message_start are out
  int64_t id = 0;
  int64_t input_tokens = 0;  // the estimate message_start reports
  std::unique_ptr<AnthropicStreamWriter> writer;
  Timers::Id ping = 0;  // the next ping's timer; 0: none
};

}  // namespace

std::string AnthropicDoor::ErrorBody(int status, const std::string& message) {
  return AnthropicErrorJson(AnthropicErrorOfStatus(status).type, message);
}

void AnthropicDoor::Error(uint64_t conn, int status, const std::string& message) {
  server_->Respond(conn, status, JsonHeaders(), ErrorBody(status, message));
}

void AnthropicDoor::OnCountTokens(uint64_t conn, const HttpRequestIn& http) {
  MessagesRequest m;
  Status s = ParseAnthropicMessages(http.body, &m, {}, true);
  if (!s.ok()) return Error(conn, 400, s.message());
  int64_t tokens = 0;
  if (!router_->EstimateInputTokens(m.req, &tokens)) {
    return Error(conn, 404, "model: no route named '" + m.req.route + "'");
  }
  // An estimate, calibrated against what the route's first model has reported.
  server_->Respond(conn, 200, JsonHeaders(), "{\"input_tokens\":" + std::to_string(tokens) + "}");
}

void AnthropicDoor::OnMessages(uint64_t conn, HttpRequestIn&& http, RequestOrigin origin) {
  ChatHeaders from;
  MessagesRequest m;
  Status s = ReadChatHeaders(http, &from);
  if (s.ok()) s = ParseAnthropicMessages(http.body, &m, from);
  if (!s.ok()) return Error(conn, 400, s.message());
  CompleteRequest& req = m.req;
  HttpHeaders headers = WithIgnored({{"Content-Type", "application/json"}}, m.ignored);
  auto fail = [this, conn, headers](const RpcError& e) {
    AnthropicError ae = AnthropicErrorOf(e);
    HttpHeaders h = headers;
    if (e.request_id) h.emplace_back("x-switchyard-request-id", std::to_string(e.request_id));
    server_->Respond(conn, ae.status, h, AnthropicErrorJson(ae.type, e.message));
  };
  if (!req.stream) {
    router_->Complete(
        std::move(req),
        [this, conn, headers, fail](RouteResponse&& r) {
          if (!r.ok) return fail(r.error);
          server_->Respond(conn, 200, WithServed(headers, r.result),
                           AnthropicMessageJson(r.result));
        },
        nullptr, origin);
    return;
  }
  // Server-sent events, sent from the first text or tool call on, when the model that
  // serves is known: until then the request may still fall back, or fail as a plain error.
  HttpHeaders sse = {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
  for (size_t i = 1; i < headers.size(); ++i) sse.push_back(headers[i]);
  auto state = std::make_shared<MessageStream>();
  router_->EstimateInputTokens(req, &state->input_tokens);
  // A ping every ping_ms from the first event to the last; the timer holds the state until
  // the stream ends and stops it.
  auto schedule = [this, conn, state](auto&& self) -> void {
    if (!timers_) return;
    state->ping = timers_->Start(ping_ms_, [this, conn, state, self] {
      server_->StreamWrite(conn, AnthropicStreamWriter::PingEvent());
      self(self);
    });
  };
  auto start = [this, conn, state, sse, schedule](std::string_view model) {
    state->started = true;
    state->writer = std::make_unique<AnthropicStreamWriter>("msg_sy_" + std::to_string(state->id),
                                                            std::string(model));
    HttpHeaders h = sse;
    h.emplace_back("x-switchyard-model", std::string(model));
    h.emplace_back("x-switchyard-request-id", std::to_string(state->id));
    server_->StartStream(conn, 200, h);
    schedule(schedule);
    return state->writer->Start(state->input_tokens);
  };
  state->id = router_->Complete(
      std::move(req),
      [this, conn, state, fail, start](RouteResponse&& r) {
        if (!state->started) {
          if (!r.ok) return fail(r.error);
          // An answer that came whole (a fallback's, say).
          std::string events = start(r.result.model);
          server_->StreamWrite(conn, events + state->writer->Delta(WholeAnswerDelta(r.result)));
        }
        if (state->ping) timers_->Stop(state->ping);
        state->ping = 0;
        if (!r.ok) {
          // Part of the answer is with the client: an error event ends the stream.
          AnthropicError ae = AnthropicErrorOf(r.error);
          server_->EndStream(conn, AnthropicStreamWriter::ErrorEvent(ae.type, r.error.message));
        } else {
          // The last events and the end of the body leave in one write.
          server_->EndStream(conn, state->writer->Finish(r.result.finish_reason, r.result.usage));
        }
      },
      [this, conn, state, start](std::string_view model, const StreamDelta& delta) {
        // The first events leave with the head, in one write.
        std::string events = state->started ? "" : start(model);
        server_->StreamWrite(conn, events + state->writer->Delta(delta));
      },
      origin);
}

}  // namespace switchyard
