#include "ipc/server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/utf8.h"
#include "ipc/unix_socket.h"
#include "loop/write_now.h"

namespace switchyard {

struct Server::Conn {
  uv_pipe_t pipe;
  Server* server;
  uint64_t id;
  uint64_t client = 0;  // see Server::ClientOf
  FrameReader reader;
  uint64_t mid_frame_since_ms = 0;  // uv_now when an incomplete frame began; 0: none
  size_t pending_bytes = 0;         // handed to libuv, not yet written
  size_t pending_writes = 0;
  std::string outbox;      // queued by Send() this turn of the loop
  bool unflushed = false;  // marked in Server::turn_
  bool closing = false;    // no more reads or frames; close once writes drain

  Conn(Server* s, uint64_t i, const FrameLimits& limits) : server(s), id(i), reader(limits) {}
};

struct Server::WriteReq {
  uv_write_t req;
  Conn* conn;
  std::string data;
  size_t counted = 0;  // bytes of `data` in Conn::pending_bytes: those not written at once
};

Server::Server(uv_loop_t* loop, Handler* handler, Options options)
    : loop_(loop),
      handler_(handler),
      options_(std::move(options)),
      turn_(
          loop, options_.before_send,
          [this](uint64_t id) {
            auto it = conns_.find(id);
            if (it != conns_.end()) Flush(it->second);
          },
          options_.after_send) {
  uv_pipe_init(loop_, &listener_, 0);
  listener_.data = this;
  // Looks for stalled frames a few times per timeout (at most once a second), so a frame is
  // given up between frame_timeout_ms and a quarter more.
  uv_timer_init(loop_, &sweep_);
  sweep_.data = this;
  auto every = static_cast<uint64_t>(std::clamp<int64_t>(options_.frame_timeout_ms / 4, 5, 1000));
  uv_timer_start(&sweep_, &Server::OnSweep, every, every);
  uv_unref(reinterpret_cast<uv_handle_t*>(&sweep_));
}

void Server::OnSweep(uv_timer_t* timer) { static_cast<Server*>(timer->data)->Sweep(); }

void Server::CheckDescriptors() {
  // Out of descriptors, libuv closes each new connection at once (it keeps one in reserve to
  // accept and close with) and tells no one: a spare descriptor is the sign.
  int probe = dup(STDERR_FILENO);
  bool out = probe < 0 && (errno == EMFILE || errno == ENFILE);
  if (probe >= 0) close(probe);
  if (out && !out_of_fds_) {
    spdlog::error(
        "accept: out of file descriptors ({}): new connections are closed at once until some "
        "are freed; the {} connection(s) open are still served (raise LimitNOFILE)",
        std::strerror(errno), conns_.size());
  } else if (!out && out_of_fds_) {
    spdlog::warn("accept: file descriptors are free again: accepting new connections");
  }
  out_of_fds_ = out;
}

void Server::Sweep() {
  if (out_of_fds_) CheckDescriptors();
  uint64_t now = uv_now(loop_);
  std::vector<Conn*> stalled;
  for (auto& [id, c] : conns_) {
    if (c->mid_frame_since_ms != 0 && !c->closing &&
        now - c->mid_frame_since_ms >= static_cast<uint64_t>(options_.frame_timeout_ms)) {
      stalled.push_back(c);
    }
  }
  for (Conn* c : stalled) {
    FailConnection(c, "bad_frame",
                   "a request frame has been incomplete for " +
                       std::to_string(now - c->mid_frame_since_ms) +
                       " ms (daemon.frame_timeout_ms)");
  }
  log_.FlushHeldBack(static_cast<int64_t>(now));
}

uint64_t Server::ClientOf(uint64_t conn) const {
  auto it = conns_.find(conn);
  return it == conns_.end() ? 0 : it->second->client;
}

Server::~Server() {
  // The owner runs the loop after CloseAll() so every handle is closed by now.
}

Status Server::Listen(const std::string& path) {
  SY_RETURN_IF_ERROR(BindUnixSocket(&listener_, path, options_.socket_mode));
  path_ = path;
  int rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 511, &Server::OnConnection);
  if (rc != 0) return Status::IoError("listen " + path + ": " + uv_strerror(rc));
  listening_ = true;
  return Status::Ok();
}

Status Server::ListenOnFd(int fd) {
  int rc = uv_pipe_open(&listener_, fd);
  if (rc != 0) return Status::IoError(std::string("adopt socket fd: ") + uv_strerror(rc));
  rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 511, &Server::OnConnection);
  if (rc != 0) return Status::IoError(std::string("listen on fd: ") + uv_strerror(rc));
  listening_ = true;
  return Status::Ok();
}

void Server::OnConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<Server*>(listener->data);
  if (status < 0) {
    self->log_.Log(static_cast<int64_t>(uv_now(self->loop_)), spdlog::level::warn, "accept",
                   "accept: {}", uv_strerror(status));
    return;
  }
  auto* c = new Conn(self, self->next_conn_id_++, self->options_.limits);
  uv_pipe_init(self->loop_, &c->pipe, 0);
  c->pipe.data = c;
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&c->pipe)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->pipe), &Server::OnConnClosed);
    return;
  }
  self->conns_.emplace(c->id, c);
  self->CheckDescriptors();
  uv_os_fd_t fd = -1;
  uv_fileno(reinterpret_cast<uv_handle_t*>(&c->pipe), &fd);
  ucred cred{};
  socklen_t len = sizeof cred;
  c->client = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.pid > 0
                  ? static_cast<uint64_t>(cred.pid)
                  : (uint64_t{1} << 63) | c->id;
  std::string refused = CheckPeer(fd, self->options_.allow_uids, self->options_.allow_gids);
  if (!refused.empty()) {
    self->FailConnection(c, "forbidden", refused);
    return;
  }
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->pipe), &Server::OnAlloc, &Server::OnRead);
}

void Server::OnAlloc(uv_handle_t* handle, size_t /*suggested*/, uv_buf_t* buf) {
  auto* c = static_cast<Conn*>(handle->data);
  // Read straight into the decoder's buffer: no copy between socket and msgpack.
  auto [ptr, cap] = c->reader.Buffer(size_t{64} << 10);
  *buf = uv_buf_init(ptr, static_cast<unsigned>(cap));
}

void Server::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* /*buf*/) {
  auto* c = static_cast<Conn*>(stream->data);
  Server* self = c->server;
  if (nread == 0 || c->closing) return;
  if (nread < 0) {
    if (nread != UV_EOF)
      spdlog::debug("connection {}: read: {}", c->id, uv_strerror(static_cast<int>(nread)));
    self->CloseNow(c);
    return;
  }
  Status s = c->reader.Commit(static_cast<size_t>(nread), [self, c](msgpack::object_handle&& oh) {
    if (!c->closing) self->HandleFrame(c, std::move(oh));
  });
  if (!s.ok()) {
    self->FailConnection(c, "bad_frame", s.message());
    return;
  }
  if (!c->reader.mid_frame()) {
    c->mid_frame_since_ms = 0;
  } else if (c->mid_frame_since_ms == 0) {
    c->mid_frame_since_ms = std::max<uint64_t>(1, uv_now(self->loop_));
  }
}

void Server::HandleFrame(Conn* c, msgpack::object_handle&& oh) {
  Envelope env;
  Status s = ParseEnvelope(oh.get(), &env);
  if (!s.ok()) {
    FailConnection(c, "bad_frame", s.message());
    return;
  }
  if (env.type == FrameType::kNotification) {
    // No method takes one; clients of other daemons send their own (a "nvim_*" hello, say).
    spdlog::debug("connection {}: ignored the client's notification '{}'", c->id,
                  Printable(env.method));
    return;
  }
  if (env.type == FrameType::kResponse) {
    FailConnection(c, "bad_frame", "clients send requests, not responses");
    return;
  }
  handler_->OnCall(c->id, env);
}

void Server::FailConnection(Conn* c, const std::string& code, const std::string& message) {
  log_.Log(static_cast<int64_t>(uv_now(loop_)), spdlog::level::warn, "connection closed: " + code,
           "connection {}: {}: {}; closing it", c->id, code, message);
  RpcError e;
  e.code = code;
  e.message = message;
  Send(c->id, EncodeProtocolError(e));
  Flush(c);
  CloseWhenFlushed(c);
}

void Server::Send(uint64_t conn, std::string_view frame) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  Conn* c = it->second;
  if (c->pending_bytes + c->outbox.size() + frame.size() > options_.max_pending_write_bytes) {
    log_.Log(static_cast<int64_t>(uv_now(loop_)), spdlog::level::warn,
             "connection closed: not reading",
             "connection {}: client is not reading its answers ({} bytes queued); closing it",
             c->id, c->pending_bytes + c->outbox.size());
    CloseNow(c);
    return;
  }
  c->outbox.append(frame);
  if (!c->unflushed) {
    c->unflushed = true;
    turn_.Mark(c->id);
  }
}

void Server::Flush(Conn* c) {
  c->unflushed = false;
  if (c->outbox.empty()) return;
  std::string frame;
  frame.swap(c->outbox);
  uv_buf_t buf = uv_buf_init(frame.data(), static_cast<unsigned>(frame.size()));
  auto* stream = reinterpret_cast<uv_stream_t*>(&c->pipe);
  size_t offset = 0;
  if (c->pending_writes == 0) {
    ptrdiff_t n = WriteNow(stream, &buf, 1);
    if (n < 0 || static_cast<size_t>(n) == frame.size()) {
      if (n < 0 || c->closing) CloseNow(c);
      return;
    }
    offset = static_cast<size_t>(n);
  }
  auto* w = new WriteReq;
  w->conn = c;
  w->data = std::move(frame);
  w->req.data = w;
  uv_buf_t rest =
      uv_buf_init(w->data.data() + offset, static_cast<unsigned>(w->data.size() - offset));
  w->counted = rest.len;
  c->pending_bytes += rest.len;
  ++c->pending_writes;
  int rc = uv_write(&w->req, stream, &rest, 1, &Server::OnWritten);
  if (rc != 0) {
    c->pending_bytes -= rest.len;
    --c->pending_writes;
    delete w;
    CloseNow(c);
  }
}

void Server::OnWritten(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  Conn* c = w->conn;
  c->pending_bytes -= w->counted;
  --c->pending_writes;
  delete w;
  // A failed write, or the last one owed to a connection that is closing.
  if (status < 0 || (c->closing && c->pending_writes == 0)) c->server->CloseNow(c);
}

void Server::CloseWhenFlushed(Conn* c) {
  c->closing = true;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&c->pipe));
  if (c->pending_writes == 0 && c->outbox.empty()) CloseNow(c);
}

void Server::CloseNow(Conn* c) {
  c->closing = true;
  if (conns_.erase(c->id) == 0) return;  // already closing
  uv_close(reinterpret_cast<uv_handle_t*>(&c->pipe), &Server::OnConnClosed);
  handler_->OnClosed(c->id);
}

void Server::OnConnClosed(uv_handle_t* handle) { delete static_cast<Conn*>(handle->data); }

void Server::StopAccepting() {
  if (listener_closed_) return;
  listener_closed_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
  if (!path_.empty()) unlink(path_.c_str());
}

void Server::CloseAll() {
  StopAccepting();
  turn_.Close();
  if (!sweep_closed_) {
    sweep_closed_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&sweep_), nullptr);
  }
  std::vector<Conn*> all;
  for (auto& [id, c] : conns_) all.push_back(c);
  for (Conn* c : all) {
    c->outbox.clear();  // anything queued after the flush above has nowhere to go
    CloseWhenFlushed(c);
  }
}

}  // namespace switchyard
