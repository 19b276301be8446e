#include "front/http_server.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "http/http_reason.h"
#include "ipc/unix_socket.h"
#include "loop/write_now.h"

namespace switchyard {

struct HttpServer::Listener {
  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } h;
  bool is_tcp = true;
  HttpServer* server = nullptr;
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&h); }
};

struct HttpServer::Conn {
  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } h;
  uv_timer_t timer;
  Conn(HttpServer* s, uint64_t i, const Options& o)
      : server(s), id(i), reader(o.max_header_bytes, o.max_body_bytes) {}
  HttpServer* server;
  uint64_t id;
  HttpRequestReader reader;
  std::string in;  // bytes read, not yet parsed
  // A stream's head, held until its first piece so that the two leave in one write: one
  // segment and one wake-up of the client, not two.
  std::string stream_head;
  // What is to be written at the end of this turn of the loop (loop/turn_flush.h).
  std::string outbox;
  bool unflushed = false;  // marked in HttpServer::turn_
  bool handling = false;   // a whole request is with the handler
  bool parsing = false;
  bool paused = false;  // reading stopped: pipelined requests over the limits wait
  bool keep_alive = true;
  bool closing = false;  // no more requests; close once writes drain
  bool closed = false;   // uv_close called
  int open_handles = 2;
  size_t pending_writes = 0;
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&h); }
};

struct HttpServer::WriteReq {
  uv_write_t req;
  Conn* conn;
  std::string data;
};

namespace {

constexpr unsigned kReadBytes = 64 << 10;

}  // namespace

HttpServer::HttpServer(uv_loop_t* loop, Handler* handler, Options options)
    : loop_(loop),
      handler_(handler),
      options_(std::move(options)),
      read_buf_(new char[kReadBytes]),
      turn_(
          loop, options_.before_send,
          [this](uint64_t id) {
            auto it = conns_.find(id);  // a closing connection too: its last answer is owed
            if (it != conns_.end()) Flush(it->second);
          },
          options_.after_send) {}

HttpServer::~HttpServer() = default;

Status HttpServer::ListenTcp(const std::string& host_port) {
  size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("expected HOST:PORT");
  std::string host = host_port.substr(0, colon);
  int port = std::atoi(host_port.c_str() + colon + 1);
  sockaddr_storage addr{};
  int rc;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    rc = uv_ip6_addr(host.substr(1, host.size() - 2).c_str(), port,
                     reinterpret_cast<sockaddr_in6*>(&addr));
  } else {
    rc = uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  }
  if (rc != 0) return Status::InvalidArgument("not an IP address: " + host);
  auto l = std::make_unique<Listener>();
  l->server = this;
  l->is_tcp = true;
  uv_tcp_init(loop_, &l->h.tcp);
  l->h.tcp.data = l.get();
  Listener* raw = l.get();
  listeners_.push_back(std::move(l));
  rc = uv_tcp_bind(&raw->h.tcp, reinterpret_cast<sockaddr*>(&addr), 0);
  if (rc == 0) rc = uv_listen(raw->stream(), 511, &HttpServer::OnConnection);
  if (rc != 0) return Status::IoError("listen on " + host_port + ": " + uv_strerror(rc));
  sockaddr_storage bound{};
  int len = sizeof bound;
  uv_tcp_getsockname(&raw->h.tcp, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return Status::Ok();
}

Status HttpServer::ListenUnix(const std::string& path) {
  auto l = std::make_unique<Listener>();
  l->server = this;
  l->is_tcp = false;
  uv_pipe_init(loop_, &l->h.pipe, 0);
  l->h.pipe.data = l.get();
  Listener* raw = l.get();
  listeners_.push_back(std::move(l));
  SY_RETURN_IF_ERROR(BindUnixSocket(&raw->h.pipe, path, options_.socket_mode));
  unix_path_ = path;
  int rc = uv_listen(raw->stream(), 511, &HttpServer::OnConnection);
  if (rc != 0) return Status::IoError("listen " + path + ": " + uv_strerror(rc));
  return Status::Ok();
}

void HttpServer::OnConnection(uv_stream_t* listener, int status) {
  auto* l = static_cast<Listener*>(listener->data);
  if (status < 0) {
    l->server->log_.Log(static_cast<int64_t>(uv_now(l->server->loop_)), spdlog::level::warn,
                        "http accept", "http: accept: {}", uv_strerror(status));
    return;
  }
  l->server->Accept(l);
}

void HttpServer::Accept(Listener* l) {
  auto* c = new Conn(this, next_conn_id_++, options_);
  if (l->is_tcp) {
    uv_tcp_init(loop_, &c->h.tcp);
  } else {
    uv_pipe_init(loop_, &c->h.pipe, 0);
  }
  c->h.tcp.data = c;
  uv_timer_init(loop_, &c->timer);
  c->timer.data = c;
  conns_.emplace(c->id, c);
  if (uv_accept(l->stream(), c->stream()) != 0) {
    CloseNow(c);
    return;
  }
  if (!l->is_tcp) {
    uv_os_fd_t fd = -1;
    uv_fileno(reinterpret_cast<uv_handle_t*>(c->stream()), &fd);
    std::string refused = CheckPeer(fd, options_.allow_uids, options_.allow_gids);
    if (!refused.empty()) {
      Fail(c, 403, refused);
      return;
    }
  }
  if (l->is_tcp) {
    // Answers go out in pieces (a stream's head, then each event): Nagle's algorithm would
    // hold each piece until the last was acknowledged, and the client delays its ACKs by
    // up to 40 ms.
    uv_tcp_nodelay(&c->h.tcp, 1);
  }
  uv_read_start(c->stream(), &HttpServer::OnAlloc, &HttpServer::OnRead);
  uv_timer_start(&c->timer, &HttpServer::OnTimer, static_cast<uint64_t>(options_.read_timeout_ms),
                 0);
}

void HttpServer::OnAlloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(handle->data);
  *buf = uv_buf_init(c->server->read_buf_.get(), kReadBytes);
}

void HttpServer::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(stream->data);
  HttpServer* self = c->server;
  if (nread > 0) c->in.append(buf->base, static_cast<size_t>(nread));
  if (nread == 0 || c->closing) return;
  if (nread < 0) {
    self->CloseNow(c);  // the client hung up (a request it left unfinished dies with it)
    return;
  }
  if (c->handling) {
    // A pipelined request: kept until this one is answered, within the limits.
    if (c->in.size() > self->options_.max_header_bytes + self->options_.max_body_bytes) {
      uv_read_stop(c->stream());
      c->paused = true;
    }
    return;
  }
  // read_timeout_ms bounds a request from its first byte to its last, however the bytes are
  // paced: the timer starts when a request's first bytes arrive, and later reads of the
  // same request leave it running.
  if (!c->reader.mid_request()) {
    uv_timer_start(&c->timer, &HttpServer::OnTimer,
                   static_cast<uint64_t>(self->options_.read_timeout_ms), 0);
  }
  self->Parse(c);
}

void HttpServer::Parse(Conn* c) {
  if (c->parsing) return;
  c->parsing = true;
  while (!c->handling && !c->closing && !c->in.empty()) {
    size_t n = 0;
    HttpRequestReader::Result r = c->reader.Feed(c->in, &n);
    c->in.erase(0, n);
    if (r == HttpRequestReader::Result::kRequest) {
      c->handling = true;
      c->keep_alive = c->reader.keep_alive();
      uv_timer_stop(&c->timer);  // the answer may take a model's time; that is not idling
      handler_->OnRequest(c->id, c->reader.Take());
      continue;
    }
    if (r == HttpRequestReader::Result::kRefused) Fail(c, c->reader.status(), c->reader.why());
    break;  // refused, or all parsed and more bytes are needed
  }
  c->parsing = false;
}

void HttpServer::OnTimer(uv_timer_t* timer) {
  auto* c = static_cast<Conn*>(timer->data);
  if (c->handling || c->closing) return;
  if (c->reader.mid_request() || !c->in.empty()) {
    c->server->Fail(c, 408,
                    "the request was not complete within " +
                        std::to_string(c->server->options_.read_timeout_ms) + " ms");
  } else {
    c->server->CloseNow(c);  // an idle keep-alive connection
  }
}

std::string HttpServer::Head(Conn* c, int status, const HttpHeaders& headers, bool chunked,
                             size_t length) {
  std::string h = "HTTP/1.1 " + std::to_string(status) + " " + HttpReason(status) + "\r\n";
  for (const auto& [k, v] : headers) {
    h += k;
    h += ": ";
    h += v;
    h += "\r\n";
  }
  if (chunked) {
    h += "Transfer-Encoding: chunked\r\n";
  } else {
    h += "Content-Length: " + std::to_string(length) + "\r\n";
  }
  if (!c->keep_alive) h += "Connection: close\r\n";
  h += "\r\n";
  return h;
}

HttpServer::Conn* HttpServer::Find(uint64_t conn) {
  auto it = conns_.find(conn);
  return it == conns_.end() || it->second->closing ? nullptr : it->second;
}

void HttpServer::Respond(uint64_t conn, int status, const HttpHeaders& headers,
                         std::string_view body) {
  Conn* c = Find(conn);
  if (!c || !c->handling) return;
  std::string out = Head(c, status, headers, false, body.size());
  out += body;
  Write(c, std::move(out));
  Done(c);
}

namespace {

// `data` as one chunk of a chunked body, appended to `out`.
void AppendChunk(std::string_view data, std::string* out) {
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  out->append(size).append(data).append("\r\n");
}

}  // namespace

void HttpServer::StartStream(uint64_t conn, int status, const HttpHeaders& headers) {
  Conn* c = Find(conn);
  if (!c || !c->handling) return;
  c->stream_head = Head(c, status, headers, true, 0);
}

void HttpServer::StreamWrite(uint64_t conn, std::string_view data) {
  Conn* c = Find(conn);
  if (!c || !c->handling || data.empty()) return;
  std::string out = std::move(c->stream_head);
  c->stream_head.clear();
  AppendChunk(data, &out);
  Write(c, std::move(out));
}

void HttpServer::EndStream(uint64_t conn, std::string_view last) {
  Conn* c = Find(conn);
  if (!c || !c->handling) return;
  std::string out = std::move(c->stream_head);
  c->stream_head.clear();
  if (!last.empty()) AppendChunk(last, &out);
  out += "0\r\n\r\n";
  Write(c, std::move(out));
  Done(c);
}

void HttpServer::Done(Conn* c) {
  c->handling = false;
  if (!c->keep_alive) {
    CloseWhenWritten(c);
    return;
  }
  c->reader.Resume();
  if (c->paused) {
    c->paused = false;
    uv_read_start(c->stream(), &HttpServer::OnAlloc, &HttpServer::OnRead);
  }
  uv_timer_start(&c->timer, &HttpServer::OnTimer, static_cast<uint64_t>(options_.read_timeout_ms),
                 0);
  Parse(c);
}

void HttpServer::Fail(Conn* c, int status, const std::string& why) {
  log_.Log(static_cast<int64_t>(uv_now(loop_)), spdlog::level::info,
           "http " + std::to_string(status), "http connection {}: {} {}: {}", c->id, status,
           HttpReason(status), why);
  c->keep_alive = false;
  std::string body = handler_->ErrorBody(status, why, c->reader.target());
  std::string out =
      Head(c, status, {{"Content-Type", "application/json"}}, false, body.size()) + body;
  Write(c, std::move(out));
  CloseWhenWritten(c);
}

void HttpServer::Write(Conn* c, std::string data) {
  if (c->outbox.empty()) {
    c->outbox = std::move(data);
  } else {
    c->outbox += data;
  }
  if (!c->unflushed) {
    c->unflushed = true;
    turn_.Mark(c->id);
  }
}

void HttpServer::Flush(Conn* c) {
  c->unflushed = false;
  if (c->outbox.empty()) return;
  std::string data;
  data.swap(c->outbox);
  size_t offset = 0;
  if (c->pending_writes == 0) {
    uv_buf_t all = uv_buf_init(data.data(), static_cast<unsigned>(data.size()));
    ptrdiff_t n = WriteNow(c->stream(), &all, 1);
    if (n < 0 || static_cast<size_t>(n) == data.size()) {
      if (n < 0 || c->closing) CloseNow(c);
      return;
    }
    offset = static_cast<size_t>(n);
  }
  auto* w = new WriteReq{{}, c, std::move(data)};
  w->req.data = w;
  uv_buf_t buf =
      uv_buf_init(w->data.data() + offset, static_cast<unsigned>(w->data.size() - offset));
  ++c->pending_writes;
  int rc = uv_write(&w->req, c->stream(), &buf, 1, &HttpServer::OnWritten);
  if (rc != 0) {
    --c->pending_writes;
    delete w;
    CloseNow(c);
  }
}

void HttpServer::OnWritten(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  Conn* c = w->conn;
  delete w;
  --c->pending_writes;
  if (c->closed) return;
  // A failed write, or the last one owed to a connection that is closing.
  if (status < 0 || (c->closing && c->pending_writes == 0 && c->outbox.empty())) {
    c->server->CloseNow(c);
  }
}

void HttpServer::CloseWhenWritten(Conn* c) {
  c->closing = true;
  uv_read_stop(c->stream());
  if (c->pending_writes == 0 && c->outbox.empty()) CloseNow(c);
}

void HttpServer::CloseNow(Conn* c) {
  if (c->closed) return;
  c->closed = true;
  c->closing = true;
  conns_.erase(c->id);
  handler_->OnClosed(c->id);
  uv_close(reinterpret_cast<uv_handle_t*>(c->stream()), &HttpServer::OnConnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->timer), &HttpServer::OnConnClosed);
}

void HttpServer::OnConnClosed(uv_handle_t* handle) {
  auto* c = static_cast<Conn*>(handle->data);
  if (--c->open_handles == 0) delete c;
}

void HttpServer::StopAccepting() {
  for (auto& l : listeners_) {
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(l->stream()))) {
      uv_close(reinterpret_cast<uv_handle_t*>(l->stream()), nullptr);
    }
  }
  if (!unix_path_.empty()) {
    unlink(unix_path_.c_str());
    unix_path_.clear();
  }
}

void HttpServer::CloseAll() {
  StopAccepting();
  turn_.Close();
  std::vector<Conn*> all;
  for (auto& [id, c] : conns_) all.push_back(c);
  for (Conn* c : all) CloseWhenWritten(c);
}

}  // namespace switchyard
