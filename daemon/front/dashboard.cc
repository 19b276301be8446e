#include "front/dashboard.h"

#include <sys/random.h>

#include <algorithm>

#include "base/json_writer.h"
#include "front/api_key_check.h"
#include "front/dashboard_assets.h"

namespace switchyard {
namespace {

constexpr std::string_view kCookie = "switchyard_session";

// The one page served without a session: no script, no asset, nothing of the daemon's state.
std::string LoginPage(std::string_view note) {
  std::string page =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>switchyard: sign in</title><style>body{font:14px system-ui,sans-serif;"
      "margin:3em auto;max-width:24em}input{font:inherit;width:100%;margin:.4em 0;"
      "padding:.3em}p.note{color:#a40e26}</style></head><body><h1>switchyard</h1>"
      "<form method=\"post\" action=\"/login\"><label for=\"key\">The front door's key "
      "(http.api_key_file)</label><input id=\"key\" name=\"key\" type=\"password\" "
      "autocomplete=\"current-password\" autofocus required><input type=\"submit\" "
      "value=\"Sign in\"></form>";
  if (!note.empty()) page += "<p class=\"note\">" + std::string(note) + "</p>";
  return page + "</body></html>\n";
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  char lower = static_cast<char>(c | 0x20);
  return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
}

// A form field's value: '+' is a space and %XX a byte.
std::string FormValue(std::string_view body, std::string_view name) {
  for (std::string_view rest = body; !rest.empty();) {
    std::string_view pair = rest.substr(0, rest.find('&'));
    rest.remove_prefix(std::min(rest.size(), pair.size() + 1));
    if (pair.size() <= name.size() || pair.substr(0, name.size()) != name ||
        pair[name.size()] != '=') {
      continue;
    }
    std::string out;
    std::string_view v = pair.substr(name.size() + 1);
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '+') {
        out += ' ';
      } else if (v[i] == '%' && i + 2 < v.size() && HexDigit(v[i + 1]) >= 0 &&
                 HexDigit(v[i + 2]) >= 0) {
        out += static_cast<char>(HexDigit(v[i + 1]) * 16 + HexDigit(v[i + 2]));
        i += 2;
      } else {
        out += v[i];
      }
    }
    return out;
  }
  return "";
}

std::string NewToken() {
  unsigned char bytes[24];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return token;
}

// The value of cookie `name` in a Cookie header, or "".
std::string_view CookieValue(const std::string* header, std::string_view name) {
  if (!header) return {};
  std::string_view h(*header);
  for (size_t at = 0; at < h.size();) {
    while (at < h.size() && (h[at] == ' ' || h[at] == ';')) ++at;
    size_t end = h.find(';', at);
    std::string_view pair = h.substr(at, end == std::string_view::npos ? h.npos : end - at);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return {};
}

const char* ContentType(std::string_view asset) {
  if (asset.size() >= 3 && asset.substr(asset.size() - 3) == ".js") {
    return "text/javascript; charset=utf-8";
  }
  if (asset.size() >= 4 && asset.substr(asset.size() - 4) == ".css") {
    return "text/css; charset=utf-8";
  }
  return "text/html; charset=utf-8";
}

}  // namespace

struct Dashboard::Read {
  uv_work_t work{};
  std::string path;
  int64_t now_ms = 0;
  int64_t started_ms = 0;  // monotonic, on the loop
  HistoryDigest digest;
  Status status;
  std::weak_ptr<bool> alive;
  Dashboard* owner = nullptr;
};

Dashboard::~Dashboard() { *alive_ = false; }

void Dashboard::set_api_key(std::string key) {
  if (key != ctx_.api_key) sessions_.clear();
  ctx_.api_key = std::move(key);
}

bool Dashboard::Serves(std::string_view path) {
  return path == "/" || path == "/login" || path == "/logout" || path == "/api/dashboard" ||
         path == "/dashboard.js" || path == "/dashboard.css" || path == "/chart.js" ||
         path == "/favicon.ico";
}

bool Dashboard::HasSession(const HttpRequestIn& req) {
  if (ctx_.api_key.empty()) return true;
  std::string_view token = CookieValue(req.Header("cookie"), kCookie);
  auto it = sessions_.find(std::string(token));
  if (it == sessions_.end()) return false;
  if (it->second <= ctx_.clock->NowMs()) {
    sessions_.erase(it);
    return false;
  }
  return true;
}

void Dashboard::Text(uint64_t conn, int status, std::string_view type, std::string_view body,
                     std::vector<std::pair<std::string, std::string>> more) {
  HttpHeaders h = {{"Content-Type", std::string(type)},
                   {"Cache-Control", "no-store"},
                   {"X-Content-Type-Options", "nosniff"},
                   {"Content-Security-Policy",
                    "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; "
                    "form-action 'self'"}};
  for (auto& m : more) h.push_back(std::move(m));
  server_->Respond(conn, status, h, body);
}

void Dashboard::OnRequest(uint64_t conn, HttpRequestIn&& req) {
  std::string_view path = req.Path();
  if (path == "/login") {
    if (req.method != "POST") return Text(conn, 405, "text/plain", "use POST\n");
    return Login(conn, req);
  }
  if (path == "/logout") {
    sessions_.erase(std::string(CookieValue(req.Header("cookie"), kCookie)));
    return Text(
        conn, 303, "text/plain", "",
        {{"Location", "/"},
         {"Set-Cookie", std::string(kCookie) + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"}});
  }
  if (req.method != "GET") return Text(conn, 405, "text/plain", "use GET\n");
  // Browsers ask for it on every page; there is none.
  if (path == "/favicon.ico") return Text(conn, 204, "image/x-icon", "");
  bool allowed = HasSession(req);
  if (path == "/api/dashboard") {
    if (!allowed && !CarriesKey(req, ctx_.api_key)) {
      return Text(
          conn, 401, "application/json",
          R"({"error":{"message":"sign in at / or send the key","type":"invalid_request_error","code":"invalid_api_key"}})");
    }
    return ServeState(conn);
  }
  if (!allowed) {
    if (path == "/") return Text(conn, 200, "text/html; charset=utf-8", LoginPage(""));
    return Text(conn, 401, "text/plain", "sign in at /\n");
  }
  std::string_view name = path == "/" ? "index.html" : path.substr(1);
  Text(conn, 200, ContentType(name), DashboardAsset(name));
}

void Dashboard::Login(uint64_t conn, const HttpRequestIn& req) {
  if (ctx_.api_key.empty()) return Text(conn, 303, "text/plain", "", {{"Location", "/"}});
  if (!SameSecret(FormValue(req.body, "key"), ctx_.api_key)) {
    return Text(conn, 401, "text/html; charset=utf-8", LoginPage("That is not the key."));
  }
  // Sessions that ended go; past a thousand live ones, the oldest goes first.
  int64_t now = ctx_.clock->NowMs();
  std::erase_if(sessions_, [now](const auto& s) { return s.second <= now; });
  while (sessions_.size() >= 1000) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second < oldest->second) oldest = it;
    }
    sessions_.erase(oldest);
  }
  std::string token = NewToken();
  sessions_[token] = now + kSessionMs;
  Text(conn, 303, "text/plain", "",
       {{"Location", "/"},
        {"Set-Cookie", std::string(kCookie) + "=" + token + "; Path=/; Max-Age=" +
                           std::to_string(kSessionMs / 1000) + "; HttpOnly; SameSite=Strict"}});
}

void Dashboard::ServeState(uint64_t conn) {
  int64_t now = ctx_.clock->NowMs();
  bool fresh = digest_at_ms_ >= 0 && now - digest_at_ms_ < digest_fresh_ms_;
  if (ctx_.history_path.empty() || !ctx_.loop || fresh) return Answer({conn});
  waiting_.push_back(conn);
  if (waiting_.size() > 1) return;  // a read is in flight: it answers this one too
  auto* read = new Read;
  read->path = ctx_.history_path;
  read->now_ms = ctx_.clock->WallMs();
  read->started_ms = now;
  read->alive = alive_;
  read->owner = this;
  read->work.data = read;
  uv_queue_work(
      ctx_.loop, &read->work,
      [](uv_work_t* w) {
        auto* r = static_cast<Read*>(w->data);
        r->status = ReadHistoryDigest(r->path, r->now_ms, &r->digest);
      },
      [](uv_work_t* w, int) {
        std::unique_ptr<Read> r(static_cast<Read*>(w->data));
        if (r->alive.expired() || !*r->alive.lock()) return;
        Dashboard* d = r->owner;
        d->digest_ = std::move(r->digest);
        d->digest_error_ = r->status.ok() ? "" : r->status.message();
        d->digest_at_ms_ = d->ctx_.clock->NowMs();
        d->digest_fresh_ms_ =
            std::max(kDigestFreshMs, kDigestReadsShare * (d->digest_at_ms_ - r->started_ms));
        std::vector<uint64_t> conns = std::move(d->waiting_);
        d->waiting_.clear();
        d->Answer(conns);
      });
}

void Dashboard::Answer(const std::vector<uint64_t>& conns) {
  std::string body = StateJson();
  for (uint64_t c : conns) Text(c, 200, "application/json", body);
}

std::string Dashboard::StateJson() const {
  StatusResult st = ctx_.status();
  JsonWriter w(4096);
  w.BeginObject().Key("version").String(st.version).Key("now_ms").Int(ctx_.clock->WallMs());
  w.Key("uptime_ms").Int(st.uptime_ms).Key("requests_in_flight").Int(st.requests_in_flight);
  w.Key("history").Bool(!ctx_.history_path.empty());
  if (!digest_error_.empty()) w.Key("history_error").String(digest_error_);
  w.Key("models").BeginArray();
  for (const ModelStatus& m : st.models) {
    w.BeginObject().Key("name").String(m.name).Key("provider").String(m.provider);
    w.Key("breaker").String(m.breaker);
    for (const HistoryDigest::Transition& t : digest_.latest) {
      if (t.model == m.name) w.Key("breaker_since_ms").Int(t.ts_ms);
    }
    w.Key("failure_rate").Double(m.failure_rate).Key("slow_call_rate").Double(m.slow_call_rate);
    w.Key("half_open_in_ms").Int(m.half_open_in_ms).Key("timeout_ms").Int(m.timeout_ms);
    w.Key("in_flight").Int(m.in_flight).Key("tasks").BeginArray();
    for (const TaskStatus& t : m.tasks) {
      w.BeginObject().Key("task").String(t.task).Key("samples").Int(t.samples);
      w.Key("p50_ms").Double(t.p50_ms).Key("p95_ms").Double(t.p95_ms);
      w.Key("timeout_ms").Int(t.timeout_ms).Key("timeout_source").String(t.timeout_source);
      w.Key("frozen_since_ms").Int(t.frozen_since_ms);
      w.Key("first_token_p95_ms").Double(t.first_token_p95_ms);
      w.Key("first_token_timeout_ms").Int(t.first_token_timeout_ms).EndObject();
    }
    w.EndArray().Key("outcomes").BeginArray();
    for (const HistoryDigest::Count& c : digest_.outcomes) {
      if (c.key != m.name) continue;
      w.BeginObject().Key("outcome").String(c.value).Key("n").Int(c.n).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().Key("routes").BeginArray();
  for (const RouteStatus& r : st.routes) {
    w.BeginObject().Key("name").String(r.name);
    w.Key("budget_usd_per_day").Double(r.budget_usd_per_day);
    w.Key("spent_today_usd").Double(r.spent_today_usd).Key("over_budget").Bool(r.over_budget);
    w.Key("start_tier").String(r.start_tier);
    int64_t requests = 0, fallbacks = 0;
    for (const HistoryDigest::Served& s : digest_.served) {
      if (s.route == r.name) requests += s.requests;
    }
    for (const HistoryDigest::Count& c : digest_.fallbacks) {
      if (c.key == r.name) fallbacks += c.n;
    }
    w.Key("requests").Int(requests).Key("fallbacks").Int(fallbacks).Key("served").BeginArray();
    for (const HistoryDigest::Served& s : digest_.served) {
      if (s.route != r.name) continue;
      w.BeginObject().Key("model").String(s.model).Key("minute").Int(s.minute);
      w.Key("requests").Int(s.requests).EndObject();
    }
    w.EndArray().Key("fallback_reasons").BeginArray();
    for (const HistoryDigest::Count& c : digest_.fallbacks) {
      if (c.key != r.name) continue;
      w.BeginObject().Key("reason").String(c.value).Key("n").Int(c.n).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray().Key("transitions").BeginArray();
  for (const HistoryDigest::Transition& t : digest_.transitions) {
    w.BeginObject().Key("ts_ms").Int(t.ts_ms).Key("model").String(t.model);
    w.Key("from").String(t.from).Key("to").String(t.to).Key("reason").String(t.reason);
    w.EndObject();
  }
  const FleetStatus& f = st.fleet;
  w.EndArray().Key("fleet").BeginObject().Key("state").String(f.state).Key("name").String(f.name);
  w.Key("host").String(f.host).Key("since_ms").Int(f.since_ms).Key("hosts").Int(f.hosts);
  w.Key("events_sent").Int(f.events_sent).Key("events_applied").Int(f.events_applied);
  w.EndObject().EndObject();
  return w.Take();
}

}  // namespace switchyard
