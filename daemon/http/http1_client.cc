#include "http/http1_client.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "http/http1_request_head.h"
#include "http/http1_response.h"
#include "http/http_url.h"
#include "loop/write_now.h"

namespace switchyard {
namespace {

constexpr size_t kReadBufBytes = 64 << 10;  // one buffer for every connection's reads
constexpr size_t kMaxIdlePerEndpoint = 256;
// A kept connection idle longer than this is closed rather than reused: a server or a
// middlebox may have dropped it without a word. curl's default (CURLOPT_MAXAGE_CONN).
constexpr uint64_t kMaxIdleMs = 118000;
// A resolved host name is looked up again after this, for a new connection.
constexpr uint64_t kResolveTtlMs = 60000;

// What is left at `now` of a budget of `budget_ms` from `start` (loop times).
uint64_t Left(uint64_t start, int64_t budget_ms, uint64_t now) {
  uint64_t end = start + static_cast<uint64_t>(std::max<int64_t>(budget_ms, 0));
  return end > now ? end - now : 0;
}

}  // namespace

struct Http1Client::Endpoint {
  std::string name;  // host:port, for messages
  std::string host;
  std::string port;
  bool literal = false;  // an IP address: never resolved
  std::vector<sockaddr_storage> addrs;
  uint64_t resolved_at_ms = 0;
  std::vector<Conn*> idle;  // kept connections, newest last
};

struct Http1Client::Target {
  Target(Endpoint* e, std::string_view path, std::string_view authority)
      : ep(e), head(path, authority) {}
  Endpoint* ep;
  Http1RequestHead head;
};

struct Http1Client::Transfer {
  Id id = 0;
  HttpRequest req;
  Callback done;
  Target* target = nullptr;
  HttpResponse resp;
  Conn* conn = nullptr;
  uint64_t started_ms = 0;  // loop time
  bool retried = false;     // already sent again after a kept connection closed under it
  int stream_state = 0;     // 0: status not seen; 1: 2xx, stream it; -1: collect as a body
  std::string stream_buf;   // streamed bytes of this read, for req.on_data
  size_t streamed_bytes = 0;
};

struct Http1Client::Conn {
  uv_tcp_t tcp;
  uv_timer_t timer;  // the request's connect timeout, then its backstop timeout
  uv_connect_t connect_req;
  uv_write_t write_req;
  Http1Client* owner = nullptr;
  Endpoint* ep = nullptr;
  size_t addr_index = 0;  // which of the endpoint's addresses it connects to
  Transfer* t = nullptr;  // the request it carries; none while idle
  Http1Response resp;
  std::string head;                       // the request head being written
  uv_getaddrinfo_t* resolving = nullptr;  // a look-up under way: deletion waits for it
  int open_handles = 2;
  bool connected = false;
  bool writing = false;
  bool send_queued = false;  // Send marked it for the end of the turn; Write not yet run
  bool closing = false;
  bool idle = false;
  bool reused = false;  // has carried an answer before the current one
  uint64_t idle_since_ms = 0;
  // A failure found inside Start, reported from the timer so `done` never runs inside it.
  bool deferred = false;
  TransportError deferred_error = TransportError::kNone;
  std::string deferred_message;
};

Http1Client::Http1Client(uv_loop_t* loop) : loop_(loop), read_buf_(new char[kReadBufBytes]) {}

Http1Client::~Http1Client() {
  if (!closed_) Close();
}

size_t Http1Client::idle_connections() const {
  size_t n = 0;
  for (const auto& [name, ep] : endpoints_) n += ep->idle.size();
  return n;
}

bool Http1Client::Handles(std::string_view url) {
  HttpUrl u;
  return ParseHttpUrl(url, &u);
}

Http1Client::Target* Http1Client::TargetFor(const std::string& url) {
  auto it = targets_.find(url);
  if (it != targets_.end()) return it->second.get();
  HttpUrl u;
  if (!ParseHttpUrl(url, &u)) return nullptr;
  std::string key = std::string(u.host) + ":" + std::string(u.port);
  std::unique_ptr<Endpoint>& ep = endpoints_[key];
  if (!ep) {
    ep = std::make_unique<Endpoint>();
    ep->name = u.authority;
    ep->host = u.host;
    ep->port = u.port;
    sockaddr_storage ss{};
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    uint16_t port = static_cast<uint16_t>(std::stoi(ep->port));
    if (inet_pton(AF_INET, ep->host.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(port);
      ep->literal = true;
    } else if (inet_pton(AF_INET6, ep->host.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(port);
      ep->literal = true;
    }
    if (ep->literal) ep->addrs.push_back(ss);
  }
  auto target = std::make_unique<Target>(ep.get(), u.path, u.authority);
  Target* raw = target.get();
  targets_.emplace(url, std::move(target));
  return raw;
}

HttpClient::Id Http1Client::Start(HttpRequest req, Callback done) {
  if (closed_) return 0;
  Target* target = TargetFor(req.url);
  if (!target) return 0;
  auto t = std::make_unique<Transfer>();
  t->id = next_id_++;
  t->req = std::move(req);
  t->done = std::move(done);
  t->target = target;
  t->started_ms = uv_now(loop_);
  Transfer* raw = t.get();
  transfers_.emplace(raw->id, std::move(t));
  Assign(raw, target->ep, 0);
  return raw->id;
}

void Http1Client::Assign(Transfer* t, Endpoint* ep, size_t addr_index) {
  uint64_t now = uv_now(loop_);
  // A kept connection first, the newest: the least likely to have been closed by the
  // server's idle timeout. Not for a request sent again because one closed under it.
  while (!t->retried && addr_index == 0 && !ep->idle.empty()) {
    Conn* c = ep->idle.back();
    ep->idle.pop_back();
    c->idle = false;
    if (now - c->idle_since_ms > kMaxIdleMs) {
      CloseConn(c);
      continue;
    }
    c->t = t;
    t->conn = c;
    c->resp.Reset();
    ArmTimer(c, Left(t->started_ms, t->req.timeout_ms, now));
    Send(c);
    return;
  }
  auto* c = new Conn;
  c->owner = this;
  c->ep = ep;
  c->addr_index = addr_index;
  uv_tcp_init(loop_, &c->tcp);
  uv_timer_init(loop_, &c->timer);
  c->tcp.data = c->timer.data = c->connect_req.data = c->write_req.data = c;
  conns_.insert(c);
  c->t = t;
  t->conn = c;
  ArmTimer(c, Left(t->started_ms, std::min(t->req.connect_timeout_ms, t->req.timeout_ms), now));
  // The next address of a host is taken from the same look-up, however old.
  if (!ep->addrs.empty() &&
      (ep->literal || addr_index > 0 || now - ep->resolved_at_ms < kResolveTtlMs)) {
    Connect(c);
    return;
  }
  c->resolving = new uv_getaddrinfo_t;
  c->resolving->data = c;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  int rc = uv_getaddrinfo(
      loop_, c->resolving,
      [](uv_getaddrinfo_t* req, int status, addrinfo* res) {
        auto* c = static_cast<Conn*>(req->data);
        c->resolving = nullptr;
        delete req;
        if (c->closing) {
          if (c->open_handles == 0) delete c;
        } else if (status < 0) {
          c->owner->Fail(c, TransportError::kConnect,
                         "cannot resolve " + c->ep->host + ": " + uv_strerror(status));
        } else {
          Endpoint* ep = c->ep;
          ep->addrs.clear();
          for (addrinfo* a = res; a; a = a->ai_next) {
            if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
            sockaddr_storage ss{};
            std::memcpy(&ss, a->ai_addr, a->ai_addrlen);
            ep->addrs.push_back(ss);
          }
          ep->resolved_at_ms = uv_now(c->owner->loop_);
          if (ep->addrs.empty()) {
            c->owner->Fail(c, TransportError::kConnect, "no address for " + ep->host);
          } else {
            c->owner->Connect(c);
          }
        }
        uv_freeaddrinfo(res);
      },
      ep->host.c_str(), ep->port.c_str(), &hints);
  if (rc < 0) {
    delete c->resolving;
    c->resolving = nullptr;
    Defer(c, TransportError::kConnect, "cannot resolve " + ep->host + ": " + uv_strerror(rc));
  }
}

void Http1Client::Connect(Conn* c) {
  const sockaddr_storage& addr = c->ep->addrs[c->addr_index];
  int rc = uv_tcp_connect(&c->connect_req, &c->tcp, reinterpret_cast<const sockaddr*>(&addr),
                          [](uv_connect_t* req, int status) {
                            auto* c = static_cast<Conn*>(req->data);
                            c->owner->OnConnected(c, status);
                          });
  if (rc < 0) {
    Defer(c, TransportError::kConnect, "cannot connect to " + c->ep->name + ": " + uv_strerror(rc));
  }
}

void Http1Client::OnConnected(Conn* c, int status) {
  if (c->closing) return;  // cancelled: libuv reports the connect as UV_ECANCELED
  if (status < 0) {
    Transfer* t = c->t;
    if (t && c->addr_index + 1 < c->ep->addrs.size()) {
      // The next address of the host (::1 refused, 127.0.0.1 listening, say).
      c->t = nullptr;
      t->conn = nullptr;
      Endpoint* ep = c->ep;
      size_t next = c->addr_index + 1;
      CloseConn(c);
      Assign(t, ep, next);
      return;
    }
    Fail(c, TransportError::kConnect,
         "cannot connect to " + c->ep->name + ": " + uv_strerror(status));
    return;
  }
  c->connected = true;
  uv_tcp_nodelay(&c->tcp, 1);
  uv_tcp_keepalive(&c->tcp, 1, 60);
  // Reading even while idle: a kept connection the server closes is noticed and dropped
  // then, not found dead when a request is sent on it.
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), &Http1Client::OnAlloc,
                &Http1Client::OnRead);
  Transfer* t = c->t;
  ArmTimer(c, Left(t->started_ms, t->req.timeout_ms, uv_now(loop_)));
  Send(c);
}

void Http1Client::Send(Conn* c) {
  if (!turn_) {
    // The connection's address is its id: a connection closed before the turn ends has
    // left conns_, and one made since at the same address has its own send_queued.
    turn_ = std::make_unique<TurnFlush>(loop_, nullptr, [this](uint64_t id) {
      auto* c = reinterpret_cast<Conn*>(static_cast<uintptr_t>(id));
      if (conns_.count(c) == 0 || !c->send_queued) return;
      c->send_queued = false;
      if (c->t && !c->closing) Write(c);
    });
  }
  c->send_queued = true;
  turn_->Mark(static_cast<uint64_t>(reinterpret_cast<uintptr_t>(c)));
}

void Http1Client::Write(Conn* c) {
  Transfer* t = c->t;
  t->target->head.Build(t->req.headers, t->req.body.size(), &c->head);
  uv_buf_t bufs[2] = {
      uv_buf_init(c->head.data(), static_cast<unsigned>(c->head.size())),
      uv_buf_init(t->req.body.data(), static_cast<unsigned>(t->req.body.size())),
  };
  unsigned nbufs = t->req.body.empty() ? 1 : 2;
  auto* stream = reinterpret_cast<uv_stream_t*>(&c->tcp);
  ptrdiff_t n = WriteNow(stream, bufs, nbufs);
  if (n < 0) {
    Defer(c, TransportError::kOther,
          "cannot send to " + c->ep->name + ": " + uv_strerror(static_cast<int>(n)));
    return;
  }
  if (static_cast<size_t>(n) == c->head.size() + t->req.body.size()) return;
  // What is left, after the `n` bytes taken.
  auto taken = static_cast<size_t>(n);
  uv_buf_t* rest = bufs;
  for (; rest < bufs + nbufs && taken >= rest->len; ++rest) taken -= rest->len;
  rest->base += taken;
  rest->len -= static_cast<unsigned>(taken);
  c->writing = true;
  int rc = uv_write(&c->write_req, stream, rest, static_cast<unsigned>(bufs + nbufs - rest),
                    [](uv_write_t* req, int status) {
                      auto* c = static_cast<Conn*>(req->data);
                      c->writing = false;
                      if (status < 0 && !c->closing) c->owner->OnEof(c, status);
                    });
  if (rc < 0) {
    c->writing = false;
    Defer(c, TransportError::kOther, "cannot send to " + c->ep->name + ": " + uv_strerror(rc));
  }
}

void Http1Client::ArmTimer(Conn* c, uint64_t ms) {
  uv_timer_start(
      &c->timer,
      [](uv_timer_t* h) {
        auto* c = static_cast<Conn*>(h->data);
        c->owner->OnDeadline(c);
      },
      ms, 0);
}

void Http1Client::Defer(Conn* c, TransportError e, std::string message) {
  c->deferred = true;
  c->deferred_error = e;
  c->deferred_message = std::move(message);
  ArmTimer(c, 0);
}

void Http1Client::OnAlloc(uv_handle_t* h, size_t /*suggested*/, uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(h->data);
  *buf = uv_buf_init(c->owner->read_buf_.get(), kReadBufBytes);
}

void Http1Client::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(s->data);
  if (c->closing) return;
  if (nread > 0) {
    c->owner->OnBytes(c, buf->base, static_cast<size_t>(nread));
  } else if (nread < 0) {
    c->owner->OnEof(c, static_cast<int>(nread));
  }
}

void Http1Client::OnBytes(Conn* c, const char* data, size_t n) {
  Transfer* t = c->t;
  if (!t) {
    // An idle connection has nothing to say before it is asked.
    CloseConn(c);
    return;
  }
  size_t max = t->req.max_response_bytes;
  size_t off = 0;
  while (off < n && c->resp.state() != Http1Response::State::kDone) {
    std::string* sink = t->stream_state == 1 ? &t->stream_buf : &t->resp.body;
    size_t taken = c->resp.Feed(std::string_view(data + off, n - off), sink);
    off += taken;
    if (c->resp.state() == Http1Response::State::kError) {
      Fail(c, TransportError::kOther, c->resp.error() + " (from " + c->ep->name + ")");
      return;
    }
    if (t->stream_state == 0 && c->resp.head_done()) {
      int status = c->resp.status();
      t->stream_state = t->req.on_data && status >= 200 && status < 300 ? 1 : -1;
      int64_t length = c->resp.content_length();
      if (length > static_cast<int64_t>(max)) break;  // refused below
      if (t->stream_state == -1 && length >= 0) {
        t->resp.body.reserve(static_cast<size_t>(length) + kBodySpareBytes);
      }
    }
    if (taken == 0) break;
  }
  size_t have =
      t->stream_state == 1 ? t->streamed_bytes + t->stream_buf.size() : t->resp.body.size();
  if (have > max || c->resp.content_length() > static_cast<int64_t>(max)) {
    Fail(c, TransportError::kTooLarge,
         "answer larger than " + std::to_string(max) + " bytes (max_response_bytes); abandoned");
    return;
  }
  if (!t->stream_buf.empty()) {
    t->streamed_bytes += t->stream_buf.size();
    std::string chunk;
    chunk.swap(t->stream_buf);
    t->req.on_data(chunk);
    // The callback may have cancelled this request, or closed the client.
    if (c->closing || c->t != t) return;
  }
  if (c->resp.state() == Http1Response::State::kDone) {
    // Bytes past the answer were not asked for: the connection is not trusted again.
    Finish(c, c->resp.keep_alive() && off == n && !c->writing);
  }
}

void Http1Client::OnEof(Conn* c, int status) {
  if (c->closing) return;
  Transfer* t = c->t;
  if (!t) {
    CloseConn(c);  // an idle connection the server closed
    return;
  }
  if (status == UV_EOF) {
    c->resp.Eof();
    if (c->resp.state() == Http1Response::State::kDone) {
      Finish(c, false);
      return;
    }
  }
  if (c->reused && c->resp.bytes_read() == 0 && !t->retried) {
    // A kept connection the server closed as we reused it, before answering: send the
    // request again on a new one, once, as curl does.
    t->retried = true;
    c->t = nullptr;
    t->conn = nullptr;
    Endpoint* ep = c->ep;
    CloseConn(c);
    Assign(t, ep, 0);
    return;
  }
  Fail(c, TransportError::kOther,
       status == UV_EOF ? c->resp.error() + " (from " + c->ep->name + ")"
                        : "connection to " + c->ep->name + " failed: " + uv_strerror(status));
}

void Http1Client::OnDeadline(Conn* c) {
  if (c->closing || !c->t) return;
  if (c->deferred) {
    Fail(c, c->deferred_error, c->deferred_message);
  } else if (!c->connected) {
    Fail(c, TransportError::kConnect,
         "connecting to " + c->ep->name + " timed out after " +
             std::to_string(std::min(c->t->req.connect_timeout_ms, c->t->req.timeout_ms)) + " ms");
  } else {
    Fail(c, TransportError::kTimeout,
         "no complete answer from " + c->ep->name + " within " +
             std::to_string(c->t->req.timeout_ms) + " ms");
  }
}

void Http1Client::Finish(Conn* c, bool keep) {
  Transfer* t = c->t;
  c->t = nullptr;
  t->conn = nullptr;
  uv_timer_stop(&c->timer);
  c->reused = true;
  t->resp.status = c->resp.status();
  t->resp.retry_after = c->resp.retry_after();
  t->resp.retry_after_ms = c->resp.retry_after_ms();
  if (keep) {
    ToIdle(c);
  } else {
    CloseConn(c);
  }
  LeaveSpareRoom(&t->resp.body);
  auto node = transfers_.extract(t->id);
  // The callback may start or cancel requests, and may take this very connection.
  node.mapped()->done(std::move(node.mapped()->resp));
}

void Http1Client::Fail(Conn* c, TransportError e, std::string message) {
  Transfer* t = c->t;
  c->t = nullptr;
  int status = c->resp.status();  // known once the head was read, 0 before
  CloseConn(c);
  if (!t) return;
  t->conn = nullptr;
  t->resp.error = e;
  t->resp.error_message = std::move(message);
  t->resp.status = status;
  auto node = transfers_.extract(t->id);
  node.mapped()->done(std::move(node.mapped()->resp));
}

void Http1Client::ToIdle(Conn* c) {
  if (closed_ || c->ep->idle.size() >= kMaxIdlePerEndpoint) {
    CloseConn(c);
    return;
  }
  c->idle = true;
  c->idle_since_ms = uv_now(loop_);
  c->ep->idle.push_back(c);
}

void Http1Client::CloseConn(Conn* c) {
  if (c->closing) return;
  c->closing = true;
  if (c->idle) {
    std::vector<Conn*>& idle = c->ep->idle;
    idle.erase(std::find(idle.begin(), idle.end(), c));
    c->idle = false;
  }
  conns_.erase(c);
  if (c->resolving) uv_cancel(reinterpret_cast<uv_req_t*>(c->resolving));
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), OnHandleClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), OnHandleClosed);
}

void Http1Client::Cancel(Id id) {
  auto it = transfers_.find(id);
  if (it == transfers_.end()) return;
  std::unique_ptr<Transfer> t = std::move(it->second);
  transfers_.erase(it);
  if (Conn* c = t->conn) {
    // Mid-answer, the connection's state is unknown: it is not reused.
    c->t = nullptr;
    CloseConn(c);
  }
}

void Http1Client::Close() {
  if (closed_) return;
  closed_ = true;
  while (!transfers_.empty()) Cancel(transfers_.begin()->first);
  std::vector<Conn*> all(conns_.begin(), conns_.end());
  for (Conn* c : all) CloseConn(c);
  if (turn_) turn_->Close();
}

void Http1Client::OnHandleClosed(uv_handle_t* h) {
  auto* c = static_cast<Conn*>(h->data);
  if (--c->open_handles == 0 && !c->resolving) delete c;
}

}  // namespace switchyard
