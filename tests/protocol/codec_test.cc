#include "protocol/codec.h"

#include <gtest/gtest.h>

#include <functional>

#include "protocol/frame_reader.h"

namespace switchyard {
namespace {

msgpack::object_handle Unpack(const std::string& bytes) {
  return msgpack::unpack(bytes.data(), bytes.size());
}

// Packs [0, 7, "complete", [<map built by fn>]].
template <typename Fn>
std::string CallWith(Fn fn) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(4);
  pk.pack(0);
  pk.pack(7);
  pk.pack(std::string("complete"));
  pk.pack_array(1);
  fn(pk);
  return std::string(buf.data(), buf.size());
}

Status DecodeCall(const std::string& bytes, CompleteRequest* req) {
  msgpack::object_handle oh = Unpack(bytes);
  Envelope env;
  SY_RETURN_IF_ERROR(ParseEnvelope(oh.get(), &env));
  return DecodeCompleteRequest(env.arg, req);
}

TEST(Codec, CompleteCallRoundTrips) {
  CompleteRequest req;
  req.route = "chat";
  req.messages = {{"system", "be brief"}, {"user", "hi \xe2\x9c\x93"}};
  req.max_tokens = 64;
  req.temperature = 0.5;
  req.task = "summarize";
  req.deadline_ms = 1500;
  req.metadata = {{"user", "42"}};
  std::string bytes = EncodeCompleteCall(9, req);
  msgpack::object_handle oh = Unpack(bytes);
  Envelope env;
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  EXPECT_EQ(env.type, FrameType::kRequest);
  EXPECT_EQ(env.msgid, 9u);
  EXPECT_EQ(env.method, "complete");
  CompleteRequest got;
  Status s = DecodeCompleteRequest(env.arg, &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got.route, "chat");
  ASSERT_EQ(got.messages.size(), 2u);
  EXPECT_EQ(got.messages[1].content, "hi \xe2\x9c\x93");
  EXPECT_EQ(got.max_tokens, 64);
  EXPECT_DOUBLE_EQ(*got.temperature, 0.5);
  EXPECT_EQ(got.task, "summarize");
  EXPECT_EQ(got.deadline_ms, 1500);
  EXPECT_EQ(got.metadata, req.metadata);
}

TEST(Codec, TheWholeChatRoundTrips) {
  CompleteRequest req;
  req.route = "agents";
  req.max_tokens = 64;
  req.messages = {{"user", ""}, {"assistant", "Checking."}, {"tool", "18C"}};
  req.messages[0].parts = {{ContentPart::Kind::kText, "what is it?", "", ""},
                           {ContentPart::Kind::kImage, "", "data:image/png;base64,AAAA", "low"}};
  req.messages[1].tool_calls = {{"call_1", "get_weather", R"({"city":"Paris"})"}};
  req.messages[2].tool_call_id = "call_1";
  req.messages[2].is_error = true;
  req.tools = {{"get_weather", "the weather", R"({"type":"object"})", true}};
  req.tool_choice = {"function", "get_weather"};
  req.parallel_tool_calls = false;
  req.json_schema = {"Rating", R"({"type":"object"})", true};
  req.stop = {"END"};
  req.top_p = 0.5;
  req.seed = 7;
  req.user = "u-1";
  req.reasoning_effort = "low";
  msgpack::object_handle oh = Unpack(EncodeCompleteCall(3, req));
  Envelope env;
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  CompleteRequest got;
  Status s = DecodeCompleteRequest(env.arg, &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(got.messages.size(), 3u);
  ASSERT_EQ(got.messages[0].parts.size(), 2u);
  EXPECT_EQ(got.messages[0].parts[1].kind, ContentPart::Kind::kImage);
  EXPECT_EQ(got.messages[0].parts[1].image_url, "data:image/png;base64,AAAA");
  EXPECT_EQ(got.messages[0].parts[1].detail, "low");
  EXPECT_EQ(got.messages[0].parts[0].text, "what is it?");
  EXPECT_EQ(got.messages[1].tool_calls[0].arguments, R"({"city":"Paris"})");
  EXPECT_EQ(got.messages[2].tool_call_id, "call_1");
  EXPECT_TRUE(got.messages[2].is_error);
  ASSERT_EQ(got.tools.size(), 1u);
  EXPECT_TRUE(got.tools[0].strict);
  EXPECT_EQ(got.tools[0].parameters, R"({"type":"object"})");
  EXPECT_EQ(got.tool_choice.mode, "function");
  EXPECT_EQ(got.tool_choice.name, "get_weather");
  EXPECT_EQ(got.parallel_tool_calls, std::optional<bool>(false));
  EXPECT_EQ(got.json_schema.name, "Rating");
  EXPECT_TRUE(got.json_schema.strict);
  EXPECT_EQ(got.stop, std::vector<std::string>{"END"});
  EXPECT_EQ(got.top_p, std::optional<double>(0.5));
  EXPECT_EQ(got.seed, std::optional<int64_t>(7));
  EXPECT_EQ(got.user, "u-1");
  EXPECT_EQ(got.reasoning_effort, "low");

  // The result's calls, and a chunk's pieces of one.
  CompleteResult r;
  r.model = "claude";
  r.tool_calls = {{"toolu_1", "get_weather", "{}"}};
  msgpack::object_handle ro = Unpack(EncodeCompleteResponse(4, r));
  Envelope renv;
  ASSERT_TRUE(ParseEnvelope(ro.get(), &renv).ok());
  CompleteResult back;
  ASSERT_TRUE(DecodeCompleteResult(*renv.result, &back).ok());
  ASSERT_EQ(back.tool_calls.size(), 1u);
  EXPECT_EQ(back.tool_calls[0].id, "toolu_1");
  StreamChunk c;
  c.msgid = 5;
  c.tool_calls = {{1, "toolu_2", "get_time", ""}};
  msgpack::object_handle co = Unpack(EncodeChunkNotification(c));
  Envelope cenv;
  ASSERT_TRUE(ParseEnvelope(co.get(), &cenv).ok());
  StreamChunk cback;
  ASSERT_TRUE(DecodeChunk(*cenv.arg, &cback).ok());
  ASSERT_EQ(cback.tool_calls.size(), 1u);
  EXPECT_EQ(cback.tool_calls[0].index, 1);
  EXPECT_EQ(cback.tool_calls[0].name, "get_time");
}

TEST(Codec, ToolTurnsAndPartsAreChecked) {
  auto check = [](const std::function<void(CompleteRequest&)>& change) {
    CompleteRequest r;
    r.route = "x";
    r.max_tokens = 8;
    r.messages = {{"user", "hi"}};
    change(r);
    return CheckCompleteRequest(r).message();
  };
  EXPECT_EQ(check([](CompleteRequest& r) {
              r.messages.push_back({"assistant", ""});
              r.messages.back().parts = {{ContentPart::Kind::kImage, "", "https://x/y.png", ""}};
            }),
            "messages[1].parts[0]: images may be sent in user messages only");
  EXPECT_EQ(check([](CompleteRequest& r) {
              r.messages[0].parts = {{ContentPart::Kind::kImage, "", "file:///etc/passwd", ""}};
            }),
            "messages[0].parts[0].image_url: expected a data: or http(s) URL");
  EXPECT_EQ(check([](CompleteRequest& r) {
              r.messages[0].tool_calls = {{"c", "f", "{}"}};
            }),
            "messages[0].tool_calls: only assistant messages make tool calls");
  EXPECT_EQ(check([](CompleteRequest& r) { r.messages[0].is_error = true; }),
            "messages[0]: tool_call_id and is_error belong to tool messages");
  EXPECT_EQ(check([](CompleteRequest& r) {
              r.tools = {{"f", "", "", false}, {"f", "", "", false}};
            }),
            "tools[1].name: 'f' is offered twice");
  EXPECT_EQ(check([](CompleteRequest& r) {
              r.tool_choice = {"always", ""};
            }),
            "tool_choice: must be auto, none, required or function, got 'always'");
}

TEST(Codec, ResultAndErrorRoundTrip) {
  CompleteResult r;
  r.model = "gpt-4o-mini";
  r.content = "hello";
  r.finish_reason = "stop";
  r.usage = {10, 2};
  r.latency_ms = 812;
  r.cost_usd = 0.25;
  AttemptReport slow;
  slow.model = "gpt-4o";
  slow.outcome = "timeout";
  slow.latency_ms = 600;
  slow.reason = "no answer within 600 ms";
  AttemptReport ok;
  ok.model = "gpt-4o-mini";
  ok.outcome = "ok";
  ok.latency_ms = 212;
  ok.http_status = 200;
  ok.usage = {10, 2};
  ok.cost_usd = 0.25;
  ok.truncated = true;
  ok.truncation = {150000, 15000, 40, 1234};
  ok.ttft_ms = 95;
  r.attempts = {slow, ok};
  r.truncated = true;
  r.truncation = ok.truncation;
  msgpack::object_handle oh = Unpack(EncodeCompleteResponse(3, r));
  Envelope env;
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  EXPECT_EQ(env.type, FrameType::kResponse);
  EXPECT_EQ(env.msgid, 3u);
  EXPECT_EQ(env.error->type, msgpack::type::NIL);
  CompleteResult got;
  ASSERT_TRUE(DecodeCompleteResult(*env.result, &got).ok());
  EXPECT_EQ(got.model, "gpt-4o-mini");
  EXPECT_EQ(got.usage.input_tokens, 10);
  ASSERT_EQ(got.attempts.size(), 2u);
  EXPECT_EQ(got.attempts[0].outcome, "timeout");
  EXPECT_EQ(got.attempts[0].reason, "no answer within 600 ms");
  EXPECT_EQ(got.attempts[1].http_status, 200);
  EXPECT_FALSE(got.attempts[0].truncated);
  EXPECT_TRUE(got.attempts[1].truncated);
  EXPECT_EQ(got.attempts[1].truncation.tokens_before, 150000);
  EXPECT_EQ(got.attempts[1].truncation.tokens_after, 15000);
  EXPECT_EQ(got.attempts[1].truncation.dropped_messages, 40);
  EXPECT_EQ(got.attempts[1].truncation.cut_chars, 1234);
  EXPECT_EQ(got.attempts[1].ttft_ms, 95);
  EXPECT_TRUE(got.truncated);
  EXPECT_EQ(got.truncation.dropped_messages, 40);

  RpcError e{17, "all_models_failed", "every tier failed", 0, r.attempts};
  oh = Unpack(EncodeErrorResponse(4, e));
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  EXPECT_EQ(env.result->type, msgpack::type::NIL);
  RpcError gotErr;
  ASSERT_TRUE(DecodeError(*env.error, &gotErr).ok());
  EXPECT_EQ(gotErr.code, "all_models_failed");
  EXPECT_EQ(gotErr.attempts.size(), 2u);
  EXPECT_EQ(gotErr.request_id, 17);
}

TEST(Codec, ChunkNotificationRoundTrips) {
  StreamChunk c;
  c.msgid = 4000000000u;
  c.index = 7;
  c.content = "Hel";
  msgpack::object_handle oh = Unpack(EncodeChunkNotification(c));
  Envelope env;
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  EXPECT_EQ(env.type, FrameType::kNotification);
  EXPECT_EQ(env.method, "chunk");
  StreamChunk got;
  ASSERT_TRUE(DecodeChunk(*env.arg, &got).ok());
  EXPECT_EQ(got.msgid, 4000000000u);
  EXPECT_EQ(got.index, 7);
  EXPECT_EQ(got.content, "Hel");
}

TEST(Codec, StatusRoundTrips) {
  StatusResult s;
  s.version = "0.1.0";
  s.models = {{"gpt-4o",
               "openai",
               "open",
               0.5,
               0.25,
               12,
               3000,
               900,
               2,
               {{"summarize", 30, 410.5, 620.0, 620}}}};
  s.history.enabled = true;
  s.history.dropped_rows = 3;
  msgpack::object_handle oh = Unpack(EncodeStatusResponse(1, s));
  Envelope env;
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  StatusResult got;
  ASSERT_TRUE(DecodeStatusResult(*env.result, &got).ok());
  ASSERT_EQ(got.models.size(), 1u);
  EXPECT_EQ(got.models[0].name, "gpt-4o");
  EXPECT_EQ(got.models[0].breaker, "open");
  EXPECT_DOUBLE_EQ(got.models[0].failure_rate, 0.5);
  EXPECT_EQ(got.models[0].half_open_in_ms, 3000);
  EXPECT_EQ(got.models[0].timeout_ms, 900);
  ASSERT_EQ(got.models[0].tasks.size(), 1u);
  EXPECT_EQ(got.models[0].tasks[0].task, "summarize");
  EXPECT_EQ(got.models[0].tasks[0].samples, 30);
  EXPECT_DOUBLE_EQ(got.models[0].tasks[0].p95_ms, 620.0);
  EXPECT_TRUE(got.history.enabled);
  EXPECT_EQ(got.history.dropped_rows, 3);
}

TEST(Codec, WrongTypesNameTheField) {
  CompleteRequest req;
  auto base = [](msgpack::packer<msgpack::sbuffer>& pk, int variant) {
    pk.pack_map(3);
    pk.pack(std::string("route"));
    if (variant == 0) {
      pk.pack(5);
    } else {
      pk.pack(std::string("chat"));
    }
    pk.pack(std::string("messages"));
    pk.pack_array(1);
    pk.pack_map(2);
    pk.pack(std::string("role"));
    pk.pack(std::string(variant == 2 ? "robot" : "user"));
    pk.pack(std::string("content"));
    if (variant == 1) {
      pk.pack(true);
    } else {
      pk.pack(std::string("hi"));
    }
    pk.pack(std::string("max_tokens"));
    if (variant == 3) {
      pk.pack(std::string("many"));
    } else {
      pk.pack(10);
    }
  };
  EXPECT_EQ(DecodeCall(CallWith([&](auto& pk) { base(pk, 0); }), &req).message(),
            "route: expected a string, got an integer");
  EXPECT_EQ(DecodeCall(CallWith([&](auto& pk) { base(pk, 1); }), &req).message(),
            "messages[0].content: expected a string, got a boolean");
  EXPECT_EQ(DecodeCall(CallWith([&](auto& pk) { base(pk, 2); }), &req).message(),
            "messages[0].role: must be system, user, assistant or tool, got 'robot'");
  EXPECT_EQ(DecodeCall(CallWith([&](auto& pk) { base(pk, 3); }), &req).message(),
            "max_tokens: expected an integer, got a string");
  EXPECT_TRUE(DecodeCall(CallWith([&](auto& pk) { base(pk, 4); }), &req).ok());
}

TEST(Codec, MissingAndUnknownParameters) {
  CompleteRequest req;
  EXPECT_EQ(DecodeCall(CallWith([](auto& pk) {
                         pk.pack_map(1);
                         pk.pack(std::string("route"));
                         pk.pack(std::string("chat"));
                       }),
                       &req)
                .message(),
            "messages: is required");
  EXPECT_EQ(
      DecodeCall(CallWith([](auto& pk) { pk.pack(std::string("not a map")); }), &req).message(),
      "params[0]: expected a map, got a string");
  EXPECT_EQ(DecodeCall(CallWith([](auto& pk) {
                         pk.pack_map(4);
                         pk.pack(std::string("route"));
                         pk.pack(std::string("chat"));
                         pk.pack(std::string("messages"));
                         pk.pack_array(1);
                         pk.pack_map(2);
                         pk.pack(std::string("role"));
                         pk.pack(std::string("user"));
                         pk.pack(std::string("content"));
                         pk.pack(std::string("x"));
                         pk.pack(std::string("max_tokens"));
                         pk.pack(5);
                         pk.pack(std::string("max_token"));
                         pk.pack(5);
                       }),
                       &req)
                .message(),
            "max_token: unknown parameter");
}

// What the daemon keeps or echoes must be UTF-8: clients decode strings strictly, and one
// bad task once made every later `status` undecodable.
TEST(Codec, EveryTextMustBeUtf8AndTheErrorNamesTheField) {
  auto decode = [](auto change) {
    CompleteRequest req;
    req.route = "chat";
    req.messages = {{"user", "hi"}};
    req.max_tokens = 5;
    change(req);
    CompleteRequest got;
    return DecodeCall(EncodeCompleteCall(1, req), &got).message();
  };
  const std::string bad = "x\xff\xfey";
  EXPECT_EQ(decode([&](CompleteRequest& r) { r.route = bad; }), "route: not valid UTF-8");
  EXPECT_EQ(decode([&](CompleteRequest& r) { r.messages[0].role = bad; }),
            "messages[0].role: not valid UTF-8");
  EXPECT_EQ(decode([&](CompleteRequest& r) { r.messages[0].content = bad; }),
            "messages[0].content: not valid UTF-8");
  EXPECT_EQ(decode([&](CompleteRequest& r) { r.task = bad; }), "task: not valid UTF-8");
  EXPECT_EQ(decode([&](CompleteRequest& r) {
              r.metadata = {{"team", bad}};
            }),
            "metadata.team: not valid UTF-8");
  EXPECT_EQ(decode([&](CompleteRequest& r) {
              r.metadata = {{bad, "v"}};
            }),
            "metadata key 'x\\xff\\xfey': not valid UTF-8");
  // Quoted bytes are escaped, not echoed.
  EXPECT_EQ(decode([&](CompleteRequest& r) { r.messages[0].role = "rob\x01ot"; }),
            "messages[0].role: must be system, user, assistant or tool, got 'rob\\x01ot'");
  EXPECT_EQ(decode([](CompleteRequest&) {}), "");
}

TEST(Codec, ADeadlineBeyondTheLimitIsRefusedNamingIt) {
  CompleteRequest req;
  req.route = "chat";
  req.messages = {{"user", "hi"}};
  req.max_tokens = 5;
  req.deadline_ms = INT64_MAX;
  CompleteRequest got;
  EXPECT_EQ(DecodeCall(EncodeCompleteCall(1, req), &got).message(),
            "deadline_ms: at most 3600000 (one hour), got 9223372036854775807");
  req.deadline_ms = kMaxDeadlineMs;
  EXPECT_TRUE(DecodeCall(EncodeCompleteCall(1, req), &got).ok());
}

// Older MessagePack-RPC clients send the method name as binary, the old raw type.
TEST(Codec, ABinaryMethodNameIsAcceptedWhenItIsUtf8) {
  auto frame = [](std::string_view method, bool notification) {
    msgpack::sbuffer buf;
    msgpack::packer<msgpack::sbuffer> pk(buf);
    pk.pack_array(notification ? 3 : 4);
    pk.pack(notification ? 2 : 0);
    if (!notification) pk.pack(3);
    pk.pack_bin(static_cast<uint32_t>(method.size()));
    pk.pack_bin_body(method.data(), static_cast<uint32_t>(method.size()));
    pk.pack_array(0);
    return std::string(buf.data(), buf.size());
  };
  Envelope env;
  msgpack::object_handle oh = Unpack(frame("status", false));
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  EXPECT_EQ(env.method, "status");
  EXPECT_EQ(env.msgid, 3u);
  oh = Unpack(frame("hello", true));
  ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
  EXPECT_EQ(env.type, FrameType::kNotification);
  EXPECT_EQ(env.method, "hello");
  oh = Unpack(frame("\xff", false));
  EXPECT_EQ(ParseEnvelope(oh.get(), &env).message(), "method: binary that is not UTF-8");
}

TEST(Codec, EnvelopeShapeErrors) {
  Envelope env;
  msgpack::object_handle oh = Unpack(std::string("\x93\x05\x01\x02", 4));  // [5, 1, 2]
  EXPECT_FALSE(ParseEnvelope(oh.get(), &env).ok());
  oh =
      Unpack(std::string("\xa3"
                         "abc",
                         4));  // "abc"
  EXPECT_EQ(ParseEnvelope(oh.get(), &env).message(), "frame: expected an array, got a string");
  oh = Unpack(std::string("\x94\x00\xff\xa4ping\x90", 9));  // msgid -1
  EXPECT_EQ(ParseEnvelope(oh.get(), &env).message(),
            "frame: msgid must be an unsigned 32-bit integer");
}

}  // namespace
}  // namespace switchyard
