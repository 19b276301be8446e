// The daemon's HTTP/1.1 listener (the OpenAI-compatible front door and /metrics): loopback
// TCP or a Unix socket, on the daemon's loop. Requests are parsed by Debian's http-parser
// (nodejs' strict C parser), one at a time per connection (a pipelined request waits until
// the one before it is answered), with keep-alive. Bad input gets a clear answer and a
// closed connection: 400 for what does not parse, 413 for a body over max_body_bytes, 431
// for headers over max_header_bytes, 408 for a request still incomplete after
// read_timeout_ms (an idle keep-alive connection is just closed then). Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/log_limiter.h"
#include "base/status.h"
#include "front/http_request_reader.h"
#include "loop/turn_flush.h"

namespace switchyard {

class HttpServer {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    // A whole request. Answer with Respond, or StartStream ... EndStream, now or later.
    virtual void OnRequest(uint64_t conn, HttpRequestIn&& req) = 0;
    // The connection is gone: whatever is sent to it now is dropped.
    virtual void OnClosed(uint64_t conn) = 0;
    // The JSON body of the server's own refusals (400, 408, 413, 431): the server speaks no
    // API, its handler says in which API's words, by the request's `target` (as much of it
    // as was read; may be empty).
    virtual std::string ErrorBody(int status, const std::string& why, std::string_view target) = 0;
  };

  struct Options {
    size_t max_header_bytes = 32 << 10;
    size_t max_body_bytes = 8 << 20;
    int64_t read_timeout_ms = 30000;
    int socket_mode = 0660;           // a Unix socket's
    std::vector<int64_t> allow_uids;  // a Unix socket's peers, as ipc/unix_socket.h
    std::vector<int64_t> allow_gids;
    // Runs before a turn's answers are written (the history's journal: a kill -9 loses no
    // request a client was answered for), and after them (its tidying).
    std::function<void()> before_send;
    std::function<void()> after_send;
  };

  // `loop` and `handler` must outlive the server; run the loop after CloseAll.
  HttpServer(uv_loop_t* loop, Handler* handler, Options options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // "HOST:PORT", HOST an IPv4 or IPv6 ([::1]) address; port 0 picks a free one (port()).
  Status ListenTcp(const std::string& host_port);
  Status ListenUnix(const std::string& path);
  int port() const { return port_; }

  void Respond(uint64_t conn, int status, const HttpHeaders& headers, std::string_view body);
  // A chunked response, written as it comes (server-sent events). Every answer leaves at
  // the end of the loop's turn, after the turn's reads.
  void StartStream(uint64_t conn, int status, const HttpHeaders& headers);
  void StreamWrite(uint64_t conn, std::string_view data);
  // Ends a stream, its `last` piece (if any) and the end in one write.
  void EndStream(uint64_t conn, std::string_view last = {});

  void StopAccepting();
  // Closes every connection once what was queued to it is written, and the listeners.
  void CloseAll();
  size_t connections() const { return conns_.size(); }

 private:
  struct Conn;
  struct Listener;
  struct WriteReq;
  static void OnConnection(uv_stream_t* listener, int status);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnWritten(uv_write_t* req, int status);
  static void OnConnClosed(uv_handle_t* handle);
  static void OnTimer(uv_timer_t* timer);
  void Accept(Listener* l);
  void Parse(Conn* c);
  // Answers `status` with a short text body and closes the connection once it is written.
  void Fail(Conn* c, int status, const std::string& why);
  // Queues `data` for the end of the loop's turn, when Flush writes it.
  void Write(Conn* c, std::string data);
  void Flush(Conn* c);
  // The response to the current request is written: go on with the next, or close.
  void Done(Conn* c);
  void CloseWhenWritten(Conn* c);
  void CloseNow(Conn* c);
  Conn* Find(uint64_t conn);
  std::string Head(Conn* c, int status, const HttpHeaders& headers, bool chunked, size_t length);

  uv_loop_t* loop_;
  Handler* handler_;
  Options options_;
  // What libuv reads into, for every connection: OnRead appends each read to its
  // connection's bytes at once, so an idle connection holds no read room, and `in` is never
  // grown by a whole read's room.
  std::unique_ptr<char[]> read_buf_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::unordered_map<uint64_t, Conn*> conns_;
  TurnFlush turn_;  // connections with something in their outbox
  uint64_t next_conn_id_ = 1;
  int port_ = 0;
  std::string unix_path_;
  LogLimiter log_;
};

}  // namespace switchyard
