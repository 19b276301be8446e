#include "http_load.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace switchyard::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Conn {
  int fd = -1;
  std::string in;
  Clock::time_point sent;
  bool event_seen = false;  // a stream's first event is in
  bool first_seen = false;  // its first token is in
  double event_us = 0;
  double first_us = 0;
  size_t scanned = 0;  // bytes of `in` already searched for a token
};

// Where the first text of an event stream begins in `in` from `from`: a "content" or "text"
// string with at least one character; npos while there is none. A match cut off at the end
// of what has come is found again once the rest is in, so `from` should stay a key's
// length behind what was searched.
size_t FirstToken(const std::string& in, size_t from) {
  for (const char* key : {"\"content\":\"", "\"text\":\""}) {
    const size_t n = std::strlen(key);
    for (size_t at = in.find(key, from); at != std::string::npos; at = in.find(key, at + 1)) {
      if (at + n < in.size() && in[at + n] != '"') return at;
    }
  }
  return std::string::npos;
}

// A header's value in the head `in[0, head)`, matched without regard to case; "" if absent.
std::string HeaderValue(const std::string& in, size_t head, const char* name) {
  std::string lower = in.substr(0, head + 2);  // every line with its CRLF
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  size_t at = lower.find(std::string("\r\n") + name + ":");
  if (at == std::string::npos) return "";
  size_t from = at + 3 + std::strlen(name);
  size_t end = lower.find("\r\n", from);
  std::string v = in.substr(from, end - from);
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  return v;
}

// The length of the whole answer at the start of `in`, once it is all there; 0 before.
// A chunked body ends at its empty last chunk.
size_t Complete(const std::string& in, int* status) {
  size_t head = in.find("\r\n\r\n");
  if (head == std::string::npos) return 0;
  *status = std::atoi(in.c_str() + 9);  // "HTTP/1.1 200"
  std::string length = HeaderValue(in, head, "content-length");
  if (!length.empty()) {
    size_t n = std::strtoul(length.c_str(), nullptr, 10);
    return in.size() >= head + 4 + n ? head + 4 + n : 0;
  }
  if (HeaderValue(in, head, "transfer-encoding") != "chunked") return 0;
  size_t at = head + 4;
  while (true) {
    size_t line = in.find("\r\n", at);
    if (line == std::string::npos) return 0;
    size_t n = std::strtoul(in.c_str() + at, nullptr, 16);
    if (in.size() < line + 2 + n + 2) return 0;
    at = line + 2 + n + 2;
    if (n == 0) return at;
  }
}

}  // namespace

LoadResult RunHttpLoad(int port, const std::string& path, const std::string& body, int concurrency,
                       int64_t total, const std::string& unix_path) {
  return RunHttpLoad(port, path, body, concurrency, total, HttpLoadOptions{}, unix_path);
}

LoadResult RunHttpLoad(int port, const std::string& path, const std::string& body, int concurrency,
                       int64_t total, const HttpLoadOptions& options,
                       const std::string& unix_path) {
  std::string request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const std::string& h : options.headers) request += h + "\r\n";
  request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
             "\r\n\r\n" + body;
  LoadResult out;
  out.latency_us.reserve(static_cast<size_t>(total));
  int ep = epoll_create1(EPOLL_CLOEXEC);
  std::vector<Conn> conns(static_cast<size_t>(concurrency));
  int64_t sent = 0;
  auto send_one = [&](Conn& c) {
    c.sent = Clock::now();
    c.event_seen = false;
    c.first_seen = false;
    c.scanned = 0;
    ++sent;
    return send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(request.size());
  };
  Clock::time_point start = Clock::now();
  for (size_t i = 0; i < conns.size(); ++i) {
    Conn& c = conns[i];
    int rc;
    if (unix_path.empty()) {
      c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      int one = 1;
      setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      rc = connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
      c.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un a{};
      a.sun_family = AF_UNIX;
      std::strncpy(a.sun_path, unix_path.c_str(), sizeof(a.sun_path) - 1);
      rc = connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    if (rc != 0) {
      ++out.errors;
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
    if (sent < total && !send_one(c)) ++out.errors;
  }
  int64_t answered = 0;
  char buf[65536];
  epoll_event events[64];
  while (answered + out.errors < sent && answered < total) {
    int n = epoll_wait(ep, events, 64, 10000);
    if (n <= 0) break;  // nothing for 10 s: the rest count as lost
    for (int k = 0; k < n; ++k) {
      Conn& c = conns[events[k].data.u64];
      ssize_t got = recv(c.fd, buf, sizeof buf, 0);
      if (got <= 0) {
        ++out.errors;
        epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
        continue;
      }
      c.in.append(buf, static_cast<size_t>(got));
      if (options.stream && !c.first_seen) {
        size_t head = c.in.find("\r\n\r\n");
        if (head != std::string::npos) {
          double us = std::chrono::duration<double, std::micro>(Clock::now() - c.sent).count();
          size_t body = std::max(head + 4, c.scanned);
          if (!c.event_seen && c.in.find("data:", body) != std::string::npos) {
            c.event_seen = true;
            c.event_us = us;
          }
          if (FirstToken(c.in, body) != std::string::npos) {
            c.first_seen = true;
            c.first_us = us;
          }
          // A key cut off at the end is searched again with the rest.
          c.scanned = c.in.size() > 16 ? c.in.size() - 16 : 0;
        }
      }
      int status = 0;
      for (size_t len; (len = Complete(c.in, &status)) > 0;) {
        c.in.erase(0, len);
        if (status == 200 && (!options.stream || c.first_seen)) {
          if (options.first_event_us) options.first_event_us->push_back(c.event_us);
          out.latency_us.push_back(
              options.stream
                  ? c.first_us
                  : std::chrono::duration<double, std::micro>(Clock::now() - c.sent).count());
          ++answered;
        } else {
          ++out.errors;
        }
        if (sent < total && !send_one(c)) ++out.errors;
      }
    }
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (Conn& c : conns) {
    if (c.fd >= 0) close(c.fd);
  }
  close(ep);
  std::sort(out.latency_us.begin(), out.latency_us.end());
  out.requests = static_cast<int64_t>(out.latency_us.size());
  return out;
}

}  // namespace switchyard::bench
