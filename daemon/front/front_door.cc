#include "front/front_door.h"

#include <memory>

#include "base/json_writer.h"
#include "front/api_key_check.h"
#include "front/switchyard_headers.h"
#include "wire/openai_chat.h"

namespace switchyard {
namespace {

const HttpHeaders& JsonHeaders() {
  static const HttpHeaders h = {{"Content-Type", "application/json"}};
  return h;
}

// Anthropic's API, asked for by its paths.
bool IsAnthropic(std::string_view path) {
  return path == "/v1/messages" || path.substr(0, 13) == "/v1/messages/";
}

}  // namespace

bool FrontDoor::Authorized(const HttpRequestIn& req) const { return CarriesKey(req, ctx_.api_key); }

void FrontDoor::OnRequest(uint64_t conn, HttpRequestIn&& req) {
  std::string_view path = req.Path();
  // The dashboard keeps its own sessions: a browser cannot send the key on a page load.
  if (Dashboard::Serves(path)) return dashboard_.OnRequest(conn, std::move(req));
  if (IsAnthropic(path)) {
    if (!Authorized(req)) {
      return anthropic_.Error(conn, 401,
                              req.Header("x-api-key") || req.Header("authorization")
                                  ? "invalid x-api-key"
                                  : "missing API key: send \"x-api-key: <key>\"");
    }
    if (req.method != "POST") return anthropic_.Error(conn, 405, "use POST");
    if (path == "/v1/messages/count_tokens") return anthropic_.OnCountTokens(conn, req);
    if (path != "/v1/messages") {
      return anthropic_.Error(conn, 404, "no such endpoint: POST " + std::string(path));
    }
    if (stopping_) return anthropic_.Error(conn, 503, "the daemon is stopping");
    anthropic_.OnMessages(conn, std::move(req), RequestOrigin{OriginOf(conn), OriginOf(conn)});
    return;
  }
  if (!Authorized(req)) {
    Error(conn, 401, "invalid_request_error", "invalid_api_key",
          req.Header("authorization") ? "Incorrect API key provided."
                                      : "Missing API key: send \"Authorization: Bearer <key>\".");
    return;
  }
  bool get = req.method == "GET";
  if (path == "/metrics") {
    if (!get) return Error(conn, 405, "invalid_request_error", "method_not_allowed", "use GET");
    server_->Respond(conn, 200, {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}},
                     ctx_.metrics->Render(ctx_.status()));
    return;
  }
  if (path == "/v1/chat/completions") {
    if (req.method != "POST") {
      return Error(conn, 405, "invalid_request_error", "method_not_allowed", "use POST");
    }
    OnChat(conn, std::move(req));
    return;
  }
  if (path == "/v1/models") {
    if (!get) return Error(conn, 405, "invalid_request_error", "method_not_allowed", "use GET");
    JsonWriter w;
    w.BeginObject().Key("object").String("list").Key("data").BeginArray();
    for (const auto& [name, route] : ctx_.router->config().routes) {
      w.BeginObject().Key("id").String(name).Key("object").String("model");
      w.Key("created").Int(0).Key("owned_by").String("switchyard").EndObject();
    }
    w.EndArray().EndObject();
    server_->Respond(conn, 200, JsonHeaders(), w.Take());
    return;
  }
  Error(conn, 404, "invalid_request_error", "not_found",
        "no such endpoint: " + req.method + " " + std::string(path));
}

void FrontDoor::OnClosed(uint64_t conn) {
  // Nobody is left to read the answer: its calls are cancelled, as for a closed socket.
  ctx_.router->AbandonFrom(OriginOf(conn), "client went away");
}

namespace {

// What a stream has sent so far.
struct ChatStream {
  bool started = false;  // the headers and the first chunk are out
  std::string id;
  std::string model;
  int64_t created = 0;
};

// A delta as chat.completion.chunk events in OpenAI's exact shape: its text, then one chunk
// per piece of a tool call, a call opening with its id, name and empty arguments.
template <typename Send>
void SendDelta(const ChatStream& s, const StreamDelta& d, bool first, const Send& send) {
  if (!d.text.empty() || (first && d.tool_calls.empty())) {
    send(ChatChunkJson({s.id, s.model, s.created, first, d.text, "", nullptr}));
    first = false;
  }
  auto piece = [&](ToolCallDelta one) {
    std::vector<ToolCallDelta> list{std::move(one)};
    ChunkEvent e{s.id, s.model, s.created, first, "", "", nullptr};
    e.tool_calls = &list;
    send(ChatChunkJson(e));
    first = false;
  };
  for (const ToolCallDelta& c : d.tool_calls) {
    if (!c.id.empty()) piece({c.index, c.id, c.name, ""});
    if (!c.arguments.empty()) piece({c.index, "", "", c.arguments});
  }
}

}  // namespace

void FrontDoor::OnChat(uint64_t conn, HttpRequestIn&& http) {
  if (stopping_) {
    return Error(conn, 503, "server_error", "shutting_down", "the daemon is stopping");
  }
  ChatHeaders from;
  ChatCompletionRequest chat;
  Status s = ReadChatHeaders(http, &from);
  if (s.ok()) s = ParseChatCompletion(http.body, &chat, from);
  if (!s.ok()) return Error(conn, 400, "invalid_request_error", "bad_request", s.message());
  CompleteRequest& req = chat.req;

  HttpHeaders headers = WithIgnored({{"Content-Type", "application/json"}}, chat.ignored);
  auto state = std::make_shared<ChatStream>();
  state->created = ctx_.clock->WallMs() / 1000;
  auto fail = [this, conn, headers](const RpcError& e) {
    HttpError he = HttpErrorOf(e.code);
    HttpHeaders h = headers;
    if (e.request_id) h.emplace_back("x-switchyard-request-id", std::to_string(e.request_id));
    server_->Respond(conn, he.status, h, OpenAIErrorJson(e.message, he.type, e.code));
  };
  RequestOrigin origin{OriginOf(conn), OriginOf(conn)};
  if (!req.stream) {
    ctx_.router->Complete(
        std::move(req),
        [this, conn, headers, fail, state](RouteResponse&& r) {
          if (!r.ok) return fail(r.error);
          server_->Respond(conn, 200, WithServed(headers, r.result),
                           ChatCompletionJson(r.result, state->created));
        },
        nullptr, origin);
    return;
  }
  // Server-sent events. The headers go with the first text, when the model that serves is
  // known (until then the request may still fall back, or fail as a plain JSON error).
  HttpHeaders sse = {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
  for (size_t i = 1; i < headers.size(); ++i) sse.push_back(headers[i]);
  bool include_usage = chat.include_usage;
  auto send = [this, conn](const std::string& json) {
    server_->StreamWrite(conn, "data: " + json + "\n\n");
  };
  auto start = [this, conn, state, sse](std::string_view model) {
    state->started = true;
    state->model.assign(model);
    HttpHeaders h = sse;
    h.emplace_back("x-switchyard-model", state->model);
    h.emplace_back("x-switchyard-request-id", state->id.substr(state->id.rfind('-') + 1));
    server_->StartStream(conn, 200, h);
  };
  int64_t id = ctx_.router->Complete(
      std::move(req),
      [this, conn, state, fail, send, start, include_usage](RouteResponse&& r) {
        if (!state->started) {
          if (!r.ok) return fail(r.error);
          start(r.result.model);  // an answer that came whole (a fallback's, say)
          SendDelta(*state, WholeAnswerDelta(r.result), true, send);
        }
        auto event = [](const std::string& json) { return "data: " + json + "\n\n"; };
        if (!r.ok) {
          // Part of the answer is with the client: an error event, and no [DONE].
          HttpError he = HttpErrorOf(r.error.code);
          server_->EndStream(conn, event(OpenAIErrorJson(r.error.message, he.type, r.error.code)));
          return;
        }
        // The closing chunks, [DONE] and the end of the body leave in one write.
        std::string last = event(ChatChunkJson(
            {state->id, state->model, state->created, false, "",
             r.result.finish_reason.empty() ? "stop" : r.result.finish_reason, nullptr}));
        if (include_usage) {
          last += event(ChatChunkJson(
              {state->id, state->model, state->created, false, "", "", &r.result.usage}));
        }
        last += "data: [DONE]\n\n";
        server_->EndStream(conn, last);
      },
      [state, send, start](std::string_view model, const StreamDelta& delta) {
        bool first = !state->started;
        if (first) start(model);
        SendDelta(*state, delta, first, send);
      },
      origin);
  state->id = "chatcmpl-sy-" + std::to_string(id);
}

std::string FrontDoor::ErrorBody(int status, const std::string& why, std::string_view target) {
  if (IsAnthropic(target.substr(0, target.find('?')))) return AnthropicDoor::ErrorBody(status, why);
  return OpenAIErrorJson(why, "invalid_request_error", std::to_string(status));
}

void FrontDoor::Error(uint64_t conn, int status, const std::string& type, const std::string& code,
                      const std::string& message) {
  server_->Respond(conn, status, JsonHeaders(), OpenAIErrorJson(message, type, code));
}

}  // namespace switchyard
