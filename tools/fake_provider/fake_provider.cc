// fake_provider: serves OpenAI chat completions and Anthropic messages on loopback, with
// faults set per model at start (--fault) or while it runs (GET /_control/fault?model=...).
// It stands in for the remote providers, which cannot be reached from tests, and is lean
// (one libuv loop, no allocations beyond a connection's buffers) so that benchmarks measure
// the daemon rather than it.
//
// Control endpoints (any method):
//   /_control/fault?model=M&mode=...   set M's fault (M may be "*"); see fault.h
//   /_control/reset                    clear every fault and counter
//   /_control/stats                    {"requests":{model:n},"auth_ok":n,"auth_bad":n,...}
//   /_control/last?model=M             the last request body M was sent, as it came
#include <simdjson.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <uv.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <unordered_set>

#include "answers.h"
#include "fault.h"
#include "http/http_reason.h"
#include "request_info.h"

namespace fake {
namespace {

struct Settings {
  std::string openai_key;
  std::string anthropic_key;
  std::string gemini_key;
  std::string azure_key;
  std::string aws_access_key_id;
};

struct Stats {
  std::map<std::string, int64_t> requests;  // by model
  int64_t auth_ok = 0;
  int64_t auth_bad = 0;
  int64_t in_flight = 0;
  int64_t served = 0;
};

struct Conn;

// A response waiting for its latency to pass.
struct Pending {
  uv_timer_t timer;
  // latency_us: a timerfd polled on the loop; freed with the timer (both closes must finish).
  uv_poll_t precise;
  int precise_fd = -1;
  int open_handles = 1;
  Conn* conn;
  std::string head;  // status line and headers
  std::string body;
  Mode mode = Mode::kOk;
  int64_t drip_ms = 0;
  size_t dripped = 0;
  // Streams: SSE events sent as HTTP/1.1 chunks.
  bool stream = false;
  StreamEvents events;
  size_t next_event = 0;
  size_t stop_at = 0;  // events sent before kCut / kUnfinished end the body
  int64_t first_token_ms = 0;
  int64_t chunk_ms = 0;
  const char* content_type = "text/event-stream; charset=utf-8";
};

struct Conn {
  uv_tcp_t tcp;
  std::string in;
  bool busy = false;  // a request is being answered; later ones wait (no pipelining races)
  bool closing = false;
  Pending* pending = nullptr;
};

FaultTable g_faults;
Stats g_stats;
Settings g_settings;
uv_loop_t* g_loop = nullptr;
std::mt19937_64 g_rng{42};
uint64_t g_serial = 0;
// The last request body each model was sent (/_control/last): what a tier really got.
std::map<std::string, std::string> g_last_body;

void OnClosed(uv_handle_t* h) { delete static_cast<Conn*>(h->data); }

void StopPending(Conn* c) {
  if (!c->pending) return;
  Pending* p = c->pending;
  c->pending = nullptr;
  --g_stats.in_flight;
  auto closed = [](uv_handle_t* h) {
    auto* p = static_cast<Pending*>(h->data);
    if (h == reinterpret_cast<uv_handle_t*>(&p->precise)) close(p->precise_fd);
    if (--p->open_handles == 0) delete p;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&p->timer), closed);
  if (p->precise_fd >= 0) uv_close(reinterpret_cast<uv_handle_t*>(&p->precise), closed);
}

void Deliver(Pending* p);

// Delivers `p` after exactly `us` microseconds; false if no timerfd could be had.
bool StartPrecise(Pending* p, int64_t us) {
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return false;
  itimerspec when{};
  when.it_value.tv_sec = us / 1000000;
  when.it_value.tv_nsec = (us % 1000000) * 1000;
  if (timerfd_settime(fd, 0, &when, nullptr) != 0 || uv_poll_init(g_loop, &p->precise, fd) != 0) {
    close(fd);
    return false;
  }
  p->precise_fd = fd;
  p->precise.data = p;
  ++p->open_handles;
  uv_poll_start(&p->precise, UV_READABLE, [](uv_poll_t* h, int, int) {
    auto* p = static_cast<Pending*>(h->data);
    uv_poll_stop(h);
    Deliver(p);
  });
  return true;
}

void CloseConn(Conn* c, bool reset) {
  if (c->closing) return;
  c->closing = true;
  StopPending(c);
  if (reset) {
    uv_tcp_close_reset(&c->tcp, OnClosed);
  } else {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), OnClosed);
  }
}

struct WriteReq {
  uv_write_t req;
  std::string data;
  Conn* conn;
  bool close_after;
};

void Write(Conn* c, std::string data, bool close_after = false) {
  if (c->closing) return;
  uv_buf_t buf = uv_buf_init(data.data(), static_cast<unsigned>(data.size()));
  int n = uv_try_write(reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1);
  if (n == static_cast<int>(data.size())) {
    if (close_after) CloseConn(c, false);
    return;
  }
  size_t off = n > 0 ? static_cast<size_t>(n) : 0;
  if (n < 0 && n != UV_EAGAIN) {
    CloseConn(c, false);
    return;
  }
  auto* w = new WriteReq{{}, std::move(data), c, close_after};
  w->req.data = w;
  uv_buf_t rest = uv_buf_init(w->data.data() + off, static_cast<unsigned>(w->data.size() - off));
  uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&c->tcp), &rest, 1,
           [](uv_write_t* req, int status) {
             auto* w = static_cast<WriteReq*>(req->data);
             if (status < 0 || w->close_after) CloseConn(w->conn, false);
             delete w;
           });
}

std::string Head(int status, const char* reason, size_t length, const std::string& extra = "") {
  std::string h = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  h += "content-type: application/json\r\ncontent-length: " + std::to_string(length) + "\r\n";
  h += extra;
  h += "\r\n";
  return h;
}

void ProcessInput(Conn* c);

void FinishResponse(Conn* c) {
  c->busy = false;
  ++g_stats.served;
  ProcessInput(c);
}

void OnDrip(uv_timer_t* t) {
  auto* p = static_cast<Pending*>(t->data);
  Conn* c = p->conn;
  std::string all = p->head + p->body;
  size_t n = std::min<size_t>(16, all.size() - p->dripped);
  Write(c, all.substr(p->dripped, n));
  p->dripped += n;
  if (p->dripped >= all.size()) {
    StopPending(c);
    FinishResponse(c);
  }
}

std::string Chunked(const std::string& data) {
  char len[20];
  std::snprintf(len, sizeof len, "%zx\r\n", data.size());
  return len + data + "\r\n";
}

void StreamNext(uv_timer_t* t);

// Sends text events: all at once when chunk_ms is 0, else one per tick.
void StreamNext(uv_timer_t* t) {
  auto* p = static_cast<Pending*>(t->data);
  Conn* c = p->conn;
  std::string out;
  do {
    if (p->next_event >= p->stop_at) break;
    out += Chunked(p->events.events[p->next_event++]);
  } while (p->chunk_ms == 0);
  if (p->next_event < p->stop_at) {
    Write(c, std::move(out));
    uv_timer_start(&p->timer, StreamNext, static_cast<uint64_t>(p->chunk_ms), 0);
    return;
  }
  Mode mode = p->mode;
  StopPending(c);
  if (mode == Mode::kCut) {
    Write(c, std::move(out), true);  // closes mid-body: no terminating chunk
    return;
  }
  Write(c, out + "0\r\n\r\n");
  FinishResponse(c);
}

void StreamStart(Pending* p) {
  Conn* c = p->conn;
  std::string out = std::string("HTTP/1.1 200 OK\r\ncontent-type: ") + p->content_type +
                    "\r\ntransfer-encoding: chunked\r\ncache-control: no-cache\r\n\r\n";
  for (size_t i = 0; i < p->events.preamble; ++i) out += Chunked(p->events.events[i]);
  p->next_event = p->events.preamble;
  Write(c, std::move(out));
  if (p->mode == Mode::kStall) return;  // headers, then nothing
  uv_timer_start(&p->timer, StreamNext, static_cast<uint64_t>(p->first_token_ms), 0);
}

void Deliver(Pending* p) {
  if (p->stream) {
    StreamStart(p);
    return;
  }
  Conn* c = p->conn;
  switch (p->mode) {
    case Mode::kHang:
      return;  // keep the connection, answer nothing
    case Mode::kReset:
      CloseConn(c, true);
      return;
    case Mode::kTruncate: {
      std::string out = p->head + p->body.substr(0, p->body.size() / 2);
      StopPending(c);
      Write(c, std::move(out), true);
      return;
    }
    case Mode::kDrip:
      uv_timer_start(&p->timer, OnDrip, 0, static_cast<uint64_t>(p->drip_ms));
      return;
    default: {
      std::string out = p->head + p->body;
      StopPending(c);
      Write(c, std::move(out));
      FinishResponse(c);
    }
  }
}

void ScheduleStream(Conn* c, Api api, StreamEvents events, const Fault& f, Mode mode) {
  auto* p = new Pending;
  p->conn = c;
  p->stream = true;
  if (api == Api::kBedrock) p->content_type = "application/vnd.amazon.eventstream";
  p->mode = mode;
  p->events = std::move(events);
  size_t n = p->events.events.size();
  p->stop_at = mode == Mode::kCut          ? std::max(p->events.preamble + 1, n / 2)
               : mode == Mode::kUnfinished ? n - 1
                                           : n;
  p->first_token_ms = f.first_token_ms;
  p->chunk_ms = f.chunk_ms;
  uv_timer_init(g_loop, &p->timer);
  p->timer.data = p;
  c->pending = p;
  ++g_stats.in_flight;
  uv_timer_start(
      &p->timer, [](uv_timer_t* t) { Deliver(static_cast<Pending*>(t->data)); },
      static_cast<uint64_t>(std::max<int64_t>(f.latency_ms, 0)), 0);
}

void Schedule(Conn* c, std::string head, std::string body, const Fault& f, Mode mode) {
  auto* p = new Pending;
  p->conn = c;
  p->head = std::move(head);
  p->body = std::move(body);
  p->mode = mode;
  p->drip_ms = f.drip_ms;
  uv_timer_init(g_loop, &p->timer);
  p->timer.data = p;
  c->pending = p;
  ++g_stats.in_flight;
  int64_t delay = f.latency_ms;
  if (f.jitter_ms > 0)
    delay += static_cast<int64_t>(g_rng() % static_cast<uint64_t>(f.jitter_ms + 1));
  if (f.latency_us > 0 && mode != Mode::kDrip && mode != Mode::kHang &&
      StartPrecise(p, f.latency_us)) {
    return;
  }
  if (delay <= 0 && mode != Mode::kDrip && mode != Mode::kHang) {
    Deliver(p);
    return;
  }
  uv_timer_start(
      &p->timer, [](uv_timer_t* t) { Deliver(static_cast<Pending*>(t->data)); },
      static_cast<uint64_t>(std::max<int64_t>(delay, 0)), 0);
}

std::string StatsJson() {
  std::string s = "{\"requests\":{";
  bool first = true;
  for (const auto& [m, n] : g_stats.requests) {
    if (!first) s += ",";
    first = false;
    s += "\"" + m + "\":" + std::to_string(n);
  }
  s += "},\"auth_ok\":" + std::to_string(g_stats.auth_ok) +
       ",\"auth_bad\":" + std::to_string(g_stats.auth_bad) +
       ",\"in_flight\":" + std::to_string(g_stats.in_flight) +
       ",\"served\":" + std::to_string(g_stats.served) + "}";
  return s;
}

void HandleControl(Conn* c, std::string_view path, std::string_view query) {
  std::string body = "{\"ok\":true}";
  int status = 200;
  if (path == "/_control/fault") {
    std::string model = "*";
    for (std::string_view q = query; !q.empty();) {
      size_t amp = q.find('&');
      std::string_view pair = q.substr(0, amp);
      if (pair.substr(0, 6) == "model=") model = std::string(pair.substr(6));
      q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    }
    Fault f;
    std::string err;
    if (ParseFault(query, &f, &err)) {
      g_faults.Set(model, f);
    } else {
      status = 400;
      body = "{\"error\":\"" + err + "\"}";
    }
  } else if (path == "/_control/reset") {
    g_faults.Clear();
    int64_t in_flight = g_stats.in_flight;
    g_stats = Stats();
    g_stats.in_flight = in_flight;
  } else if (path == "/_control/stats") {
    body = StatsJson();
  } else if (path == "/_control/last") {
    std::string model(query.substr(0, 6) == "model=" ? query.substr(6) : "");
    auto it = g_last_body.find(model);
    if (it == g_last_body.end()) {
      status = 404;
      body = "{\"error\":\"no request for that model yet\"}";
    } else {
      body = it->second;
    }
  } else {
    status = 404;
    body = "{\"error\":\"unknown control path\"}";
  }
  Write(c, Head(status, switchyard::HttpReason(status), body.size()) + body);
  FinishResponse(c);
}

// Returns false if `header` is absent.
bool FindHeader(std::string_view head, std::string_view name, std::string_view* value) {
  size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string_view::npos) {
    pos += 2;
    if (head.size() - pos < name.size() + 1) return false;
    if (strncasecmp(head.data() + pos, name.data(), name.size()) == 0 &&
        head[pos + name.size()] == ':') {
      size_t start = pos + name.size() + 1;
      while (start < head.size() && head[start] == ' ') ++start;
      size_t end = head.find("\r\n", start);
      *value = head.substr(start, end - start);
      return true;
    }
  }
  return false;
}

// What the fake model says: a call to the offered tools (unless it answers their results,
// or may not call), an answer that follows the json_schema, or text naming the model and
// what it was asked, its images and tool results.
void Compose(Api api, const RequestInfo& info, const Fault& f, Mode mode, AnswerSpec* a) {
  const std::string& model = info.model;
  if (!info.tools.empty() && !info.after_tool_result && !info.tools_off && f.reply.empty()) {
    for (int64_t i = 0; i < std::max<int64_t>(f.tool_calls, 1); ++i) {
      const OfferedTool* t = &info.tools[static_cast<size_t>(i) % info.tools.size()];
      for (const OfferedTool& o : info.tools) {
        if (o.name == info.forced_tool) t = &o;
      }
      FakeCall call;
      bool openai = api == Api::kOpenAI || api == Api::kAzure;
      call.id = (openai ? "call_fake" : "toolu_fake") + std::to_string(a->serial) + "_" +
                std::to_string(i);
      call.name = t->name;
      call.arguments = ExampleFor(t->schema);
      bool answer_tool =
          t->name == info.forced_tool && (api == Api::kAnthropic || api == Api::kBedrock);
      if (mode == Mode::kBadToolArgs && !answer_tool) {
        if (openai) {
          call.arguments = R"({"city": )";
        } else {
          call.name = "no_such_tool";
        }
      } else if (mode == Mode::kOffSchema) {
        call.arguments = R"({"off_schema":true})";
      }
      a->calls.push_back(std::move(call));
    }
    return;
  }
  if (!info.json_schema.empty()) {
    a->content = mode == Mode::kOffSchema ? R"({"off_schema":true})" : ExampleFor(info.json_schema);
    return;
  }
  if (!f.reply.empty()) {
    a->content = f.reply;
    return;
  }
  a->content = "Answer from " + model + " to: " + info.last_user;
  if (info.images > 0) a->content += " [" + std::to_string(info.images) + " image(s)]";
  if (info.after_tool_result) a->content += " [tool results: " + info.tool_result + "]";
}

// The header that carries `api`'s key, and whether `head` has the key the fake wants (any, when
// it wants none). Bedrock's requests are signed: the fake checks they are, with its key id.
const char* KeyHeader(Api api) {
  switch (api) {
    case Api::kOpenAI:
    case Api::kBedrock:
      return "authorization";
    case Api::kAnthropic:
      return "x-api-key";
    case Api::kGemini:
      return "x-goog-api-key";
    case Api::kAzure:
      return "api-key";
  }
  return "authorization";
}

bool Authorized(Api api, std::string_view head) {
  const std::string& want = api == Api::kOpenAI      ? g_settings.openai_key
                            : api == Api::kAnthropic ? g_settings.anthropic_key
                            : api == Api::kGemini    ? g_settings.gemini_key
                            : api == Api::kAzure     ? g_settings.azure_key
                                                     : g_settings.aws_access_key_id;
  if (want.empty()) return true;
  std::string_view got, date;
  if (!FindHeader(head, KeyHeader(api), &got)) return false;
  if (api == Api::kOpenAI) return got == "Bearer " + want;
  if (api == Api::kBedrock) {
    return got.rfind("AWS4-HMAC-SHA256 Credential=" + want + "/", 0) == 0 &&
           got.find("Signature=") != std::string_view::npos &&
           FindHeader(head, "x-amz-date", &date);
  }
  return got == want;
}

std::string PercentDecoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// `path_model`: Gemini, Azure and Bedrock name the model in the path (and Gemini and Bedrock
// whether to stream, `path_stream`).
void HandleApi(Conn* c, Api api, std::string_view request_head, std::string_view body,
               std::string_view path_model = {}, bool path_stream = false) {
  simdjson::dom::parser& parser = *[] {
    static simdjson::dom::parser p;
    return &p;
  }();
  simdjson::dom::element doc;
  RequestInfo info;
  bool parsed = parser.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS;
  if (parsed) {
    info = api == Api::kGemini    ? ReadGeminiRequest(doc)
           : api == Api::kBedrock ? ReadBedrockRequest(doc)
                                  : ReadRequest(api, doc);
  }
  if (!path_model.empty()) {
    info.model = PercentDecoded(path_model);
    if (api != Api::kAzure) info.stream = path_stream;
  }
  if (parsed) g_last_body[info.model].assign(body);
  const std::string& model = info.model;
  const bool stream = info.stream;
  ++g_stats.requests[model];

  if (!Authorized(api, request_head)) {
    ++g_stats.auth_bad;
    int status = api == Api::kGemini ? 400 : api == Api::kBedrock ? 403 : 401;
    std::string b = ErrorBody(api, status, "auth");
    std::string extra;
    if (api == Api::kBedrock)
      extra =
          "x-amzn-ErrorType: "
          "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/"
          "\r\n";
    Write(c, Head(status, switchyard::HttpReason(status), b.size(), extra) + b);
    FinishResponse(c);
    return;
  }
  ++g_stats.auth_ok;

  const Fault& f = g_faults.For(model);
  Mode mode = f.mode;
  if (f.rate < 1.0 && std::uniform_real_distribution<double>(0, 1)(g_rng) >= f.rate)
    mode = Mode::kOk;
  std::string_view sent_key;
  std::string echo;
  if (f.echo_key && api != Api::kBedrock && FindHeader(request_head, KeyHeader(api), &sent_key)) {
    if (sent_key.substr(0, 7) == "Bearer ") sent_key.remove_prefix(7);
    echo = KeyEcho(sent_key);
  }
  if (mode == Mode::kError || (mode == Mode::kStreamError && !stream)) {
    int status = mode == Mode::kError ? f.status : 500;
    std::string b = ErrorBody(api, status, f.error_kind, echo);
    std::string extra;
    if (f.retry_after_s >= 0) extra = "retry-after: " + std::to_string(f.retry_after_s) + "\r\n";
    if (api == Api::kBedrock) {
      extra += "x-amzn-ErrorType: " + BedrockErrorType(status, f.error_kind) +
               ":http://internal.amazon.com/coral/com.amazon.bedrock/\r\n";
    }
    std::string head = Head(status, switchyard::HttpReason(status), b.size(), extra);
    Schedule(c, std::move(head), std::move(b), f, Mode::kError);
    return;
  }
  if (mode == Mode::kGarbage) {
    std::string b = "<html><body>502 Bad Gateway" + echo + "</body></html>\x01\xff";
    std::string head = Head(200, "OK", b.size());
    Schedule(c, std::move(head), std::move(b), f, Mode::kOk);
    return;
  }
  if (mode == Mode::kBadUtf8 || mode == Mode::kHuge) {
    AnswerSpec bad;
    bad.model = model;
    bad.content = mode == Mode::kHuge ? std::string(static_cast<size_t>(f.huge_mb) << 20, 'a')
                                      : "valid text, then \xff\xfe\xc0 bytes no encoder emits";
    std::string b = AnswerBody(api, bad);
    std::string head = Head(200, "OK", b.size());
    Schedule(c, std::move(head), std::move(b), f, Mode::kOk);
    return;
  }
  AnswerSpec a;
  a.model = model;
  a.serial = ++g_serial;
  a.input_tokens = info.prompt_bytes / 4 + 1 + info.images * 85;
  if (mode != Mode::kEmpty) {
    Compose(api, info, f, mode, &a);
    // Answers are JSON-escaped by the writer: the echo's own escapes would be doubled.
    if (!sent_key.empty()) a.content.append(" (your key is ").append(sent_key).append(")");
    int64_t bytes = static_cast<int64_t>(a.content.size());
    for (const FakeCall& c : a.calls) bytes += static_cast<int64_t>(c.arguments.size());
    a.output_tokens = std::min<int64_t>(info.max_tokens, bytes / 4 + 1);
  }
  a.finish = f.finish;
  if (stream && mode != Mode::kHang && mode != Mode::kReset && mode != Mode::kTruncate) {
    StreamEvents events = AnswerStream(api, a);
    if (mode == Mode::kStreamError) {
      size_t keep =
          events.preamble +
          std::min(events.text_events, static_cast<size_t>(std::max<int64_t>(f.error_after, 0)));
      events.events.resize(keep);
      events.events.push_back(StreamErrorEvent(api, echo));
      mode = Mode::kOk;
    }
    ScheduleStream(c, api, std::move(events), f, mode);
    return;
  }
  std::string b = AnswerBody(api, a);
  std::string head = Head(200, "OK", b.size());
  Schedule(c, std::move(head), std::move(b), f, mode);
}

bool EndsWith(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// Serves `path` if it is Gemini's (.../models/ID:generateContent, :streamGenerateContent),
// Azure's (.../openai/deployments/ID/chat/completions) or Bedrock's (.../model/ID/converse,
// /converse-stream); false if it is none of them.
bool NativeApi(Conn* c, std::string_view path, std::string_view head, std::string_view body) {
  size_t at;
  if ((at = path.find("/openai/deployments/")) != std::string_view::npos &&
      EndsWith(path, "/chat/completions")) {
    std::string_view id = path.substr(at + 20, path.size() - at - 20 - 17);
    HandleApi(c, Api::kAzure, head, body, id);
    return true;
  }
  if ((at = path.find("/models/")) != std::string_view::npos) {
    std::string_view rest = path.substr(at + 8);
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return false;
    std::string_view method = rest.substr(colon + 1);
    if (method != "generateContent" && method != "streamGenerateContent") return false;
    HandleApi(c, Api::kGemini, head, body, rest.substr(0, colon), method != "generateContent");
    return true;
  }
  if ((at = path.find("/model/")) != std::string_view::npos) {
    std::string_view rest = path.substr(at + 7);
    size_t slash = rest.rfind('/');
    if (slash == std::string_view::npos) return false;
    std::string_view method = rest.substr(slash + 1);
    if (method != "converse" && method != "converse-stream") return false;
    HandleApi(c, Api::kBedrock, head, body, rest.substr(0, slash), method == "converse-stream");
    return true;
  }
  return false;
}

// Parses as many complete requests from c->in as it can, one at a time.
void ProcessInput(Conn* c) {
  while (!c->busy && !c->closing) {
    size_t end = c->in.find("\r\n\r\n");
    if (end == std::string::npos) return;
    std::string_view head(c->in.data(), end + 2);
    size_t body_len = 0;
    std::string_view v;
    if (FindHeader(head, "content-length", &v))
      body_len = std::strtoull(std::string(v).c_str(), nullptr, 10);
    if (c->in.size() < end + 4 + body_len) {
      if (FindHeader(head, "expect", &v) && c->in.size() == end + 4) {
        Write(c, "HTTP/1.1 100 Continue\r\n\r\n");
      }
      return;
    }
    c->busy = true;
    std::string request = c->in.substr(0, end + 4 + body_len);
    c->in.erase(0, end + 4 + body_len);
    std::string_view req(request);
    std::string_view line = req.substr(0, req.find("\r\n"));
    size_t sp1 = line.find(' ');
    size_t sp2 = line.find(' ', sp1 + 1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t q = target.find('?');
    std::string_view path = target.substr(0, q);
    std::string_view query =
        q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
    std::string_view body = req.substr(end + 4);
    if (path.substr(0, 10) == "/_control/") {
      HandleControl(c, path, query);
    } else if (NativeApi(c, path, req.substr(0, end + 2), body)) {
      // Gemini, Azure or Bedrock, by the path's shape.
    } else if (path.size() >= 17 && path.substr(path.size() - 17) == "/chat/completions") {
      HandleApi(c, Api::kOpenAI, req.substr(0, end + 2), body);
    } else if (path.size() >= 9 && path.substr(path.size() - 9) == "/messages") {
      HandleApi(c, Api::kAnthropic, req.substr(0, end + 2), body);
    } else {
      std::string b =
          "{\"error\":{\"message\":\"no such path\",\"type\":\"invalid_request_error\"}}";
      Write(c, Head(404, "Not Found", b.size()) + b);
      FinishResponse(c);
    }
  }
}

void OnAlloc(uv_handle_t*, size_t, uv_buf_t* buf) {
  static char slab[256 * 1024];
  *buf = uv_buf_init(slab, sizeof slab);
}

void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(s->data);
  if (nread < 0) {
    CloseConn(c, false);
    return;
  }
  c->in.append(buf->base, static_cast<size_t>(nread));
  ProcessInput(c);
}

void OnConnection(uv_stream_t* server, int status) {
  if (status < 0) return;
  auto* c = new Conn;
  uv_tcp_init(g_loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), OnClosed);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), OnAlloc, OnRead);
}

}  // namespace
}  // namespace fake

int main(int argc, char** argv) {
  CLI::App app{
      "fake_provider: the OpenAI, Anthropic, Gemini, Azure OpenAI and Bedrock APIs on loopback, "
      "with injectable faults"};
  int port = 0;
  std::string host = "127.0.0.1", port_file;
  std::vector<std::string> faults;
  app.add_option("--host", host, "address to listen on (loopback only)")->capture_default_str();
  app.add_option("--port", port, "port, 0 for any free one")->capture_default_str();
  app.add_option("--port-file", port_file, "write the chosen port here once listening");
  app.add_option("--fault", faults, "MODEL:QUERY, e.g. gpt-4o:mode=error&status=500");
  app.add_option("--openai-key", fake::g_settings.openai_key, "require this Bearer key");
  app.add_option("--anthropic-key", fake::g_settings.anthropic_key, "require this x-api-key");
  app.add_option("--gemini-key", fake::g_settings.gemini_key, "require this x-goog-api-key");
  app.add_option("--azure-key", fake::g_settings.azure_key, "require this api-key");
  app.add_option("--aws-access-key-id", fake::g_settings.aws_access_key_id,
                 "require Bedrock calls signed (SigV4) with this key id");
  CLI11_PARSE(app, argc, argv);

  for (const std::string& spec : faults) {
    size_t colon = spec.find(':');
    fake::Fault f;
    std::string err;
    if (colon == std::string::npos || !fake::ParseFault(spec.substr(colon + 1), &f, &err)) {
      std::cerr << "fake_provider: bad --fault '" << spec << "': " << err << "\n";
      return 2;
    }
    fake::g_faults.Set(spec.substr(0, colon), f);
  }
  signal(SIGPIPE, SIG_IGN);
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;  // benchmarks hold a thousand connections open
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  fake::g_loop = uv_default_loop();
  uv_tcp_t server;
  uv_tcp_init(fake::g_loop, &server);
  sockaddr_in addr{};
  uv_ip4_addr(host.c_str(), port, &addr);
  if (uv_tcp_bind(&server, reinterpret_cast<const sockaddr*>(&addr), 0) != 0 ||
      uv_listen(reinterpret_cast<uv_stream_t*>(&server), 1024, fake::OnConnection) != 0) {
    std::cerr << "fake_provider: cannot listen on " << host << ":" << port << "\n";
    return 1;
  }
  sockaddr_in bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(&server, reinterpret_cast<sockaddr*>(&bound), &len);
  int actual = ntohs(bound.sin_port);
  if (!port_file.empty()) {
    std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << actual << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  std::cerr << "fake_provider listening on " << host << ":" << actual << "\n";
  return uv_run(fake::g_loop, UV_RUN_DEFAULT);
}
