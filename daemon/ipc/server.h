// The Unix socket that local processes talk to: accepts connections, splits each byte
// stream into MessagePack-RPC frames (with limits), hands requests to a Handler and writes
// responses back. A connection whose stream cannot be decoded, or whose frame stays
// incomplete past frame_timeout_ms, gets a protocol_error notification and is closed; the
// others carry on. Out of file descriptors, it says so once and keeps serving the
// connections it has.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/log_limiter.h"
#include "base/status.h"
#include "loop/turn_flush.h"
#include "protocol/codec.h"
#include "protocol/frame_reader.h"

namespace switchyard {

class Server {
 public:
  // Declared here so the socket layer never knows what answers its requests.
  class Handler {
   public:
    virtual ~Handler() = default;
    // A request frame. `call` points into memory valid only during this call. Answer now or
    // later with Server::Send(conn, ...).
    virtual void OnCall(uint64_t conn, const Envelope& call) = 0;
    // Connection `conn` is gone (the client hung up, or it was closed): nothing sent to it
    // will arrive.
    virtual void OnClosed(uint64_t conn) = 0;
  };

  struct Options {
    FrameLimits limits;
    int socket_mode = 0660;
    // A client that stops reading may leave this much unsent before it is disconnected.
    size_t max_pending_write_bytes = 4 << 20;
    // Empty both: any process that can open the socket may use it.
    std::vector<int64_t> allow_uids;
    std::vector<int64_t> allow_gids;
    // A frame still incomplete after this long closes its connection.
    int64_t frame_timeout_ms = 10000;
    // Runs before each batch of answers is written: whatever must be on file before a
    // client hears back (the history's journal) is written here; and after, its tidying.
    std::function<void()> before_send;
    std::function<void()> after_send;
  };

  // `loop` and `handler` must outlive the server. Loop thread only.
  Server(uv_loop_t* loop, Handler* handler, Options options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Creates the socket at `path` (replacing a stale one, refusing a live one) and listens.
  Status Listen(const std::string& path);
  // Listens on a socket already bound, e.g. one passed by systemd socket activation.
  Status ListenOnFd(int fd);

  // Queues `frame` to connection `conn`; dropped if the connection has gone. Frames queued in
  // one turn of the loop go out together, in one write per connection, before the loop next
  // waits: under load many answers complete in the same turn, and each write wakes the client.
  void Send(uint64_t conn, std::string_view frame);

  // Replaces the allow-lists for connections accepted from now on (config reload).
  void SetAllowed(std::vector<int64_t> uids, std::vector<int64_t> gids) {
    options_.allow_uids = std::move(uids);
    options_.allow_gids = std::move(gids);
  }

  // Stops accepting; existing connections stay.
  void StopAccepting();
  // Closes every connection once what was queued to it is written, and the listener.
  void CloseAll();

  size_t connections() const { return conns_.size(); }

  // Who is at the other end of `conn`: its process id (SO_PEERCRED), or, where that is
  // unknown, a number of its own for the connection (top bit set). 0 for no such connection.
  uint64_t ClientOf(uint64_t conn) const;

 private:
  struct Conn;
  struct WriteReq;

  static void OnConnection(uv_stream_t* listener, int status);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWritten(uv_write_t* req, int status);
  static void OnConnClosed(uv_handle_t* handle);
  static void OnSweep(uv_timer_t* timer);

  // Writes what Send() queued for the connection (at the end of the loop's turn).
  void Flush(Conn* c);
  void HandleFrame(Conn* c, msgpack::object_handle&& oh);
  // Empty when the peer may use the socket; else why not.
  void FailConnection(Conn* c, const std::string& code, const std::string& message);
  void CloseWhenFlushed(Conn* c);
  void CloseNow(Conn* c);
  // Closes connections whose frame has been incomplete for frame_timeout_ms.
  void Sweep();
  // Whether a file descriptor is left (logging when that changes).
  void CheckDescriptors();

  uv_loop_t* loop_;
  Handler* handler_;
  Options options_;
  uv_pipe_t listener_;
  bool listening_ = false;
  bool listener_closed_ = false;
  std::string path_;  // unlinked on close when we created it
  uint64_t next_conn_id_ = 1;
  std::unordered_map<uint64_t, Conn*> conns_;
  TurnFlush turn_;  // connections with queued frames
  uv_timer_t sweep_;
  bool sweep_closed_ = false;
  // The last accept took the last file descriptor: until one is free, libuv closes new
  // connections at once. Said once when it starts and once when it ends.
  bool out_of_fds_ = false;
  LogLimiter log_;
};

}  // namespace switchyard
