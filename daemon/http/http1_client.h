// HttpClient for cleartext http:// providers (a local vLLM or llama.cpp server, a gateway on
// the same host): HTTP/1.1 straight on libuv's TCP handles, with kept-alive connections.
// It exists because, measured, libcurl was the largest share of the daemon's CPU a request
// on such a path (its per-transfer setup, URL parsing and the two polls it makes to check a
// reused connection); this client does one write and one read a request. TLS, proxies and
// anything unusual stay with libcurl (see http_dispatch.h).
//
// Requests are written at the end of the loop's turn (loop/turn_flush.h), not as they are
// started: a provider that is waiting is woken by the first of a turn's requests and finds
// the rest already there, where one written per request woke it once each (on the 2-core
// machine the benchmarks ran on, that wake-up was ~5 us of the daemon's CPU a request).
#pragma once

#include <uv.h>

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "http/http_client.h"
#include "loop/turn_flush.h"

namespace switchyard {

class Http1Client final : public HttpClient {
 public:
  // `loop` must outlive this object. Call only from the loop's thread.
  explicit Http1Client(uv_loop_t* loop);
  ~Http1Client() override;
  Http1Client(const Http1Client&) = delete;
  Http1Client& operator=(const Http1Client&) = delete;

  // Whether `url` is one this client takes: http://host[:port]/path, no user info.
  static bool Handles(std::string_view url);

  Id Start(HttpRequest req, Callback done) override;
  void Cancel(Id id) override;

  // Cancels every request and closes every connection; the loop can then finish. Required
  // before destruction if the loop ran.
  void Close();

  size_t in_flight() const { return transfers_.size(); }
  size_t idle_connections() const;

 private:
  struct Endpoint;
  struct Target;
  struct Conn;
  struct Transfer;

  Target* TargetFor(const std::string& url);
  void Assign(Transfer* t, Endpoint* ep, size_t addr_index);
  void Connect(Conn* c);
  // Queues `c`'s request to be written at the end of this turn of the loop.
  void Send(Conn* c);
  // Writes it: what the socket takes now, the rest through a write request.
  void Write(Conn* c);
  void OnConnected(Conn* c, int status);
  void OnBytes(Conn* c, const char* data, size_t n);
  void OnEof(Conn* c, int status);
  void OnDeadline(Conn* c);
  // Ends `t` with its response (or a transport error), and keeps or closes its connection.
  void Finish(Conn* c, bool keep);
  void Fail(Conn* c, TransportError e, std::string message);
  void CloseConn(Conn* c);
  void ToIdle(Conn* c);
  void ArmTimer(Conn* c, uint64_t ms);
  // A failure found where `done` may not run yet (inside Start): reported from the timer.
  void Defer(Conn* c, TransportError e, std::string message);

  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnHandleClosed(uv_handle_t* h);

  uv_loop_t* loop_;
  bool closed_ = false;
  Id next_id_ = 1;
  std::unordered_map<Id, std::unique_ptr<Transfer>> transfers_;
  std::unordered_map<std::string, std::unique_ptr<Target>> targets_;      // by URL
  std::unordered_map<std::string, std::unique_ptr<Endpoint>> endpoints_;  // by host:port
  std::unordered_set<Conn*> conns_;  // every open connection, busy or idle
  // Made at the first request, so that a client made before its loop is initialized (and
  // never used) holds no handle.
  std::unique_ptr<TurnFlush> turn_;
  // libuv reads one socket at a time on this thread and hands the bytes over before it
  // reads the next, so one buffer serves every connection.
  std::unique_ptr<char[]> read_buf_;
};

}  // namespace switchyard
