// A client that speaks raw bytes over the daemon's socket, to send what no well-behaved
// client would.
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "protocol/codec.h"

namespace switchyard::e2e {

class RawClient {
 public:
  explicit RawClient(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { close(fd_); }
  int fd() const { return fd_; }
  // Every byte the daemon sent on this connection so far.
  const std::string& received() const { return received_; }

  void Send(const std::string& bytes) {
    ASSERT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }

  void SendIgnoringErrors(const std::string& bytes) {
    (void)send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }

  // Reads one frame; false on EOF or after 5 s.
  bool Next(msgpack::object_handle* out) {
    for (;;) {
      if (unpacker_.next(*out)) return true;
      unpacker_.reserve_buffer(4096);
      ssize_t n = recv(fd_, unpacker_.buffer(), unpacker_.buffer_capacity(), 0);
      if (n <= 0) return false;
      received_.append(unpacker_.buffer(), static_cast<size_t>(n));
      unpacker_.buffer_consumed(static_cast<size_t>(n));
    }
  }

  // True if the daemon closed the connection within 5 s: EOF, or a reset when it closed
  // with bytes of ours still unread.
  bool ClosedByPeer() {
    char c;
    ssize_t n = recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

  // Reads the protocol_error notification sent before the daemon closes the connection.
  RpcError ExpectProtocolError() {
    msgpack::object_handle oh;
    RpcError e;
    EXPECT_TRUE(Next(&oh)) << "no frame before close";
    Envelope env;
    EXPECT_TRUE(ParseEnvelope(oh.get(), &env).ok());
    EXPECT_EQ(env.type, FrameType::kNotification);
    EXPECT_EQ(env.method, "protocol_error");
    if (env.arg) {
      EXPECT_TRUE(DecodeError(*env.arg, &e).ok());
    }
    EXPECT_TRUE(ClosedByPeer());
    return e;
  }

 private:
  int fd_;
  msgpack::unpacker unpacker_;
  std::string received_;
};

}  // namespace switchyard::e2e
