// The socket protocol against hostile or careless clients: each gets a clear error, and
// nobody else notices.
#include <gtest/gtest.h>

#include <future>

#include "base/utf8.h"
#include "e2e/harness.h"
#include "e2e/history_db.h"
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

// Every string in a msgpack value is valid UTF-8, as a strict client requires.
bool AllTextIsUtf8(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::STR:
      return IsValidUtf8(std::string_view(o.via.str.ptr, o.via.str.size));
    case msgpack::type::ARRAY:
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        if (!AllTextIsUtf8(o.via.array.ptr[i])) return false;
      }
      return true;
    case msgpack::type::MAP:
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        if (!AllTextIsUtf8(o.via.map.ptr[i].key) || !AllTextIsUtf8(o.via.map.ptr[i].val))
          return false;
      }
      return true;
    default:
      return true;
  }
}

// Reads frames until the response to `msgid`.
msgpack::object_handle Response(RawClient& raw, uint32_t msgid) {
  msgpack::object_handle oh;
  Envelope env;
  while (raw.Next(&oh)) {
    if (ParseEnvelope(oh.get(), &env).ok() && env.type == FrameType::kResponse &&
        env.msgid == msgid)
      return oh;
  }
  ADD_FAILURE() << "no response to " << msgid;
  return oh;
}

TEST(Protocol, TextThatIsNotUtf8IsRefusedAndOneOnFileNoLongerBreaksStatus) {
  Cluster cluster;
  RawClient raw(cluster.socket());
  CompleteRequest req = Cluster::Ask("hi");
  req.task = "sum\xffmarize";
  raw.Send(EncodeCompleteCall(1, req));
  msgpack::object_handle oh = Response(raw, 1);
  RpcError e;
  ASSERT_TRUE(DecodeError(oh.get().via.array.ptr[2], &e).ok());
  EXPECT_EQ(e.code, "bad_request");
  EXPECT_EQ(e.message, "task: not valid UTF-8");

  // A row an older daemon let in: the restarted daemon's status must still decode strictly.
  ASSERT_TRUE(cluster.StopDaemon().ok());
  {
    Db db(cluster.history_path());
    db.Exec(
        "INSERT INTO attempts (request_id, seq, ts_ms, model, task, latency_ms, outcome, "
        "timeout_ms) VALUES (1, 0, CAST(strftime('%s', 'now') AS INTEGER) * 1000, 'gpt-4o', "
        "CAST(x'78ff' AS TEXT), 100, 'ok', 1000)");
  }
  cluster.StartDaemon();
  RawClient again(cluster.socket());
  again.Send(EncodeEmptyCall(2, "status"));
  oh = Response(again, 2);
  EXPECT_TRUE(oh.get().via.array.ptr[2].is_nil());
  EXPECT_TRUE(AllTextIsUtf8(oh.get()));
  EXPECT_NE(cluster.daemon_log().find("not valid UTF-8"), std::string::npos);
}

TEST(Protocol, ADeadlineBeyondTheLimitIsABadRequestNamingIt) {
  Cluster cluster;
  RawClient raw(cluster.socket());
  CompleteRequest req = Cluster::Ask("hi");
  req.deadline_ms = INT64_MAX;
  raw.Send(EncodeCompleteCall(1, req));
  msgpack::object_handle oh = Response(raw, 1);
  RpcError e;
  ASSERT_TRUE(DecodeError(oh.get().via.array.ptr[2], &e).ok());
  EXPECT_EQ(e.code, "bad_request");
  EXPECT_NE(e.message.find("at most 3600000"), std::string::npos) << e.message;
  EXPECT_EQ(cluster.fake().Requests("gpt-4o"), 0);
}

// Older MessagePack-RPC clients name methods in binary and may send notifications of their
// own first: both are served, and the connection stays.
TEST(Protocol, ABinaryMethodNameAndAClientsOwnNotificationAreFine) {
  Cluster cluster;
  RawClient raw(cluster.socket());
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(3);
  pk.pack(2);
  pk.pack(std::string("client_hello"));
  pk.pack_array(0);
  pk.pack_array(4);
  pk.pack(0);
  pk.pack(5);
  pk.pack_bin(4);
  pk.pack_bin_body("ping", 4);
  pk.pack_array(0);
  raw.Send(std::string(buf.data(), buf.size()));
  msgpack::object_handle oh = Response(raw, 5);
  ASSERT_EQ(oh.get().via.array.ptr[3].type, msgpack::type::STR);
  EXPECT_EQ(oh.get().via.array.ptr[3].as<std::string>(), "pong");
  raw.Send(EncodeEmptyCall(6, "ping"));
  Response(raw, 6);
}

}  // namespace
}  // namespace switchyard::e2e
