// The socket protocol against hostile or careless clients: each gets a clear error, and
// nobody else notices.
#include <gtest/gtest.h>

#include <future>

#include "e2e/harness.h"
#include "e2e/raw_client.h"
#include "protocol/codec.h"

namespace switchyard::e2e {
namespace {

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
