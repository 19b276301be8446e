#include "front/front_door.h"

#include "providers/json_writer.h"

namespace switchyard {
namespace {

// Compares without stopping at the first difference, so the time taken says nothing of
// how much of a guessed key was right.
bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

const HttpHeaders& JsonHeaders() {
  static const HttpHeaders h = {{"Content-Type", "application/json"}};
  return h;
}

}  // namespace

bool FrontDoor::Authorized(const HttpRequestIn& req) const {
  if (ctx_.api_key.empty()) return true;
  const std::string* auth = req.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!auth || auth->size() <= kBearer.size() || auth->compare(0, kBearer.size(), kBearer) != 0) {
    return false;
  }
  return SameSecret(std::string_view(*auth).substr(kBearer.size()), ctx_.api_key);
}

void FrontDoor::OnRequest(uint64_t conn, HttpRequestIn&& req) {
  if (!Authorized(req)) {
    Error(conn, 401, "invalid_request_error", "invalid_api_key",
          req.Header("authorization") ? "Incorrect API key provided."
                                      : "Missing API key: send \"Authorization: Bearer <key>\".");
    return;
  }
  std::string_view path = req.Path();
  bool get = req.method == "GET";
  if (path == "/metrics") {
    if (!get) return Error(conn, 405, "invalid_request_error", "method_not_allowed", "use GET");
    server_->Respond(conn, 200, {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}},
                     ctx_.metrics->Render(ctx_.status()));
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

void FrontDoor::OnClosed(uint64_t /*conn*/) {}

void FrontDoor::Error(uint64_t conn, int status, const std::string& type, const std::string& code,
                      const std::string& message) {
  JsonWriter w;
  w.BeginObject().Key("error").BeginObject();
  w.Key("message").String(message).Key("type").String(type).Key("code").String(code);
  w.EndObject().EndObject();
  server_->Respond(conn, status, JsonHeaders(), w.Take());
}

}  // namespace switchyard
