// The socket protocol against hostile or careless clients: each gets a clear error, and
// nobody else notices.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>

#include "e2e/harness.h"
#include "protocol/codec.h"

namespace switchyard::e2e {
namespace {

// A client that speaks raw bytes, to send what no well-behaved client would.
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
};

TEST(Protocol, GarbageFromOneClientLeavesAnotherUnharmed) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "latency_ms=300");
  auto good = cluster.Connect();
  std::promise<CompleteReply> in_flight;
  good->CompleteAsync(Cluster::Ask("before"),
                      [&](CompleteReply r) { in_flight.set_value(std::move(r)); });

  RawClient bad(cluster.socket());
  bad.Send(std::string("\xc1\xc1\xc1garbage", 10));
  RpcError e = bad.ExpectProtocolError();
  EXPECT_EQ(e.code, "bad_frame");
  EXPECT_NE(e.message.find("malformed msgpack"), std::string::npos) << e.message;

  CompleteReply r = in_flight.get_future().get();
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.content, "Answer from gpt-4o to: before");
  CompleteReply after = good->Complete(Cluster::Ask("after"));
  ASSERT_TRUE(after.ok);
  EXPECT_EQ(after.result.content, "Answer from gpt-4o to: after");
}

TEST(Protocol, ArrayHeaderClaiming4GElementsIsRefused) {
  Cluster cluster;
  RawClient raw(cluster.socket());
  raw.Send(std::string("\xdd\xff\xff\xff\xff", 5));
  RpcError e = raw.ExpectProtocolError();
  EXPECT_EQ(e.code, "bad_frame");
  EXPECT_EQ(e.message, "array longer than 100000 elements");
}

TEST(Protocol, OversizedFrameIsRefusedBeforeItArrives) {
  Cluster cluster;
  RawClient raw(cluster.socket());
  // [0, 1, "complete", [{messages: <a 100 MB string...: the claim costs the daemon nothing;
  // the frame is refused once what arrived passes the 8 MiB limit.
  raw.Send(
      std::string("\x94\x00\x01\xa8"
                  "complete"
                  "\x91\x81\xa8"
                  "messages"
                  "\xdb\x06\x00\x00\x00",
                  4 + 8 + 2 + 9 + 5));
  std::string chunk(1 << 20, 'x');
  for (int i = 0; i < 9; ++i) raw.SendIgnoringErrors(chunk);
  RpcError e = raw.ExpectProtocolError();
  EXPECT_EQ(e.code, "bad_frame");
  EXPECT_EQ(e.message, "frame larger than 8388608 bytes");
}

TEST(Protocol, UnknownMethodAndBadParamsKeepTheConnection) {
  Cluster cluster;
  RawClient raw(cluster.socket());
  raw.Send(EncodeEmptyCall(5, "frobnicate"));
  msgpack::object_handle oh;
  ASSERT_TRUE(raw.Next(&oh));
  Envelope env;
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  EXPECT_EQ(env.msgid, 5u);
  RpcError e;
  ASSERT_TRUE(DecodeError(*env.error, &e).ok());
  EXPECT_EQ(e.code, "no_such_method");

  raw.Send(EncodeEmptyCall(6, "complete"));  // complete with no argument
  ASSERT_TRUE(raw.Next(&oh));
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  EXPECT_EQ(env.msgid, 6u);
  ASSERT_TRUE(DecodeError(*env.error, &e).ok());
  EXPECT_EQ(e.code, "bad_request");
  EXPECT_EQ(e.message, "params[0]: is required");

  CompleteRequest req = Cluster::Ask("hi");
  req.route = "nowhere";
  raw.Send(EncodeCompleteCall(7, req));
  ASSERT_TRUE(raw.Next(&oh));
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  ASSERT_TRUE(DecodeError(*env.error, &e).ok());
  EXPECT_EQ(e.code, "no_route");

  raw.Send(EncodeEmptyCall(8, "ping"));
  ASSERT_TRUE(raw.Next(&oh));
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  EXPECT_EQ(env.msgid, 8u);
  EXPECT_EQ(env.error->type, msgpack::type::NIL);
  EXPECT_EQ(std::string(env.result->via.str.ptr, env.result->via.str.size), "pong");
}

TEST(Protocol, DeepNestingIsRefused) {
  Cluster cluster;
  RawClient raw(cluster.socket());
  raw.Send(std::string(100, '\x91'));
  RpcError e = raw.ExpectProtocolError();
  EXPECT_EQ(e.message, "frame nests deeper than 16");
}

}  // namespace
}  // namespace switchyard::e2e
