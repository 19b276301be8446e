// A scripted HTTP server on the loopback for the outbound clients' tests: each accepted
// connection handed to a script on the server's own thread, the helpers scripts use, and a
// bounded run of the client's loop.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace switchyard {

// Reads one request: its head, then Content-Length bytes of body. Empty at EOF.
inline std::string ReadRequest(int fd) {
  std::string got;
  char buf[4096];
  size_t head_end = std::string::npos;
  size_t need = 0;
  while (true) {
    if (head_end == std::string::npos) {
      head_end = got.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t at = got.find("Content-Length: ");
        need = head_end + 4 + (at < head_end ? std::stoul(got.substr(at + 16)) : 0);
      }
    }
    if (head_end != std::string::npos && got.size() >= need) return got;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return "";
    got.append(buf, static_cast<size_t>(n));
  }
}

inline void WriteAll(int fd, const std::string& s) {
  size_t at = 0;
  while (at < s.size()) {
    ssize_t n = send(fd, s.data() + at, s.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return;
    at += static_cast<size_t>(n);
  }
}

// Accepts connections on a loopback address (127.0.0.1 unless told) and hands each, in turn,
// to the script, on its own thread.
class ScriptedServer {
 public:
  // (connection's descriptor, its index from 0). The script closes nothing: the server does,
  // once it returns.
  using Script = std::function<void(int fd, int index)>;

  explicit ScriptedServer(Script script, in_addr_t host_order_addr = INADDR_LOOPBACK)
      : script_(std::move(script)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(host_order_addr);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(listen(listen_fd_, 16), 0);
    socklen_t len = sizeof a;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      for (int i = 0;; ++i) {
        int fd = accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) return;
        accepted_ = i + 1;
        script_(fd, i);
        close(fd);
      }
    });
  }
  ~ScriptedServer() {
    shutdown(listen_fd_, SHUT_RDWR);
    close(listen_fd_);
    thread_.join();
  }
  std::string url(const std::string& path = "/v1/chat/completions") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  Script script_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// One thread tells another that something happened; the wait is bounded, so a bug fails
// the test instead of hanging it.
class Flag {
 public:
  void Set() {
    std::lock_guard<std::mutex> lock(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool Wait(int timeout_ms = 5000) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] { return set_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

// Runs `loop` until `done` holds, each turn waiting for its next event; `watchdog` (a timer
// of that loop) bounds it, so a hang fails the test instead of blocking the suite.
inline bool RunLoopUntil(uv_loop_t* loop, uv_timer_t* watchdog, const std::function<bool()>& done,
                         uint64_t timeout_ms = 5000) {
  bool expired = false;
  watchdog->data = &expired;
  uv_timer_start(
      watchdog, [](uv_timer_t* t) { *static_cast<bool*>(t->data) = true; }, timeout_ms, 0);
  while (!done() && !expired) uv_run(loop, UV_RUN_ONCE);
  uv_timer_stop(watchdog);
  return done();
}

}  // namespace switchyard
