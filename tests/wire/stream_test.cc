// The recorded streams of both providers, through the SSE parser and each stream decoder,
// fed whole and one byte at a time (a stream arrives in arbitrary pieces).
#include <gtest/gtest.h>

#include "providers/testdata_util.h"
#include "wire/sse.h"
#include "wire/stream_decoder.h"

namespace switchyard {
namespace {

struct Decoded {
  StreamState state;
  std::vector<std::string> deltas;
  std::vector<ToolCallDelta> calls;
  int events = 0;
};

Decoded Decode(StreamDecoder& d, const std::string& stream, size_t piece) {
  Decoded out;
  SseParser sse;
  for (size_t i = 0; i < stream.size(); i += piece) {
    sse.Feed(std::string_view(stream).substr(i, piece), [&](const SseEvent& e) {
      ++out.events;
      StreamDelta delta;
      d.OnEvent(e, &out.state, &delta);
      if (!delta.text.empty()) out.deltas.push_back(delta.text);
      for (ToolCallDelta& c : delta.tool_calls) out.calls.push_back(std::move(c));
    });
  }
  return out;
}

std::string Raw(const std::string& rel) {
  // .sse files are the exact stream bytes, final newline included.
  std::ifstream in(std::string(SWITCHYARD_TESTDATA) + "/" + rel, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Sse, SplitsEventsFieldsAndLineEndings) {
  SseParser p;
  std::vector<SseEvent> got;
  auto fn = [&](const SseEvent& e) { got.push_back(e); };
  p.Feed(": a comment\r\nevent: one\r\ndata: a\r\ndata:b\r\n\r\n", fn);
  p.Feed("data: lone\r", fn);
  p.Feed("\n\n", fn);
  p.Feed("data: {\"x\":1}\n\nid: 7\nretry: 10\n\n", fn);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].event, "one");
  EXPECT_EQ(got[0].data, "a\nb");
  EXPECT_EQ(got[1].data, "lone");
  EXPECT_EQ(got[2].data, "{\"x\":1}");
  p.Feed("data: half", fn);
  EXPECT_EQ(got.size(), 3u);  // incomplete until its blank line
  EXPECT_GT(p.pending(), 0u);
}

// Every way of cutting a stream in two, and a byte at a time, reads as the whole does: line
// ends of each kind, a \r\n cut between its bytes, a lone \r before text and before a blank
// line, a field without a colon, a comment, and a line longer than any piece.
TEST(Sse, EveryCutReadsAsTheWhole) {
  const std::string stream =
      "event: a\r\ndata: 1\r\n\r\n"
      "data: 2\rdata: 3\r\r"
      "data\n: note\ndata:4\n\n"
      "data: " +
      std::string(300, 'x') +
      "\r\n\r\n"
      "event: end\n\n";
  auto read = [](const std::vector<std::string_view>& pieces) {
    SseParser p;
    std::vector<std::string> got;
    for (std::string_view piece : pieces) {
      p.Feed(piece, [&](const SseEvent& e) { got.push_back(e.event + "|" + e.data); });
    }
    return got;
  };
  const std::vector<std::string> want = {"a|1", "|2\n3", "|\n4", "|" + std::string(300, 'x'),
                                         "end|"};
  ASSERT_EQ(read({stream}), want);
  std::string_view s = stream;
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    EXPECT_EQ(read({s.substr(0, cut), s.substr(cut)}), want) << "cut at " << cut;
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < s.size(); ++i) bytes.push_back(s.substr(i, 1));
  EXPECT_EQ(read(bytes), want);
}

class OpenAIStream : public ::testing::TestWithParam<size_t> {};

TEST_P(OpenAIStream, RecordedStreamAddsUpToTheAnswer) {
  auto d = MakeOpenAIStreamDecoder();
  Decoded r = Decode(*d, Raw("openai/stream_basic.sse"), GetParam());
  EXPECT_TRUE(r.state.finished);
  EXPECT_FALSE(r.state.failed) << r.state.reason;
  EXPECT_EQ(r.events, 34);  // role chunk, 30 deltas, finish, usage, [DONE]
  EXPECT_EQ(r.deltas.size(), 30u);
  std::string joined;
  for (const std::string& s : r.deltas) joined += s;
  EXPECT_EQ(joined, r.state.answer.content);
  EXPECT_EQ(r.state.answer.content.rfind("I'm", 0), 0u);
  EXPECT_EQ(r.state.answer.finish_reason, "stop");
  EXPECT_EQ(r.state.answer.usage.input_tokens, 14);
  EXPECT_EQ(r.state.answer.usage.output_tokens, 30);
}

TEST_P(OpenAIStream, IncludeUsageStreamWithNullUsageChunks) {
  auto d = MakeOpenAIStreamDecoder();
  Decoded r = Decode(*d, Raw("openai/stream_include_usage.sse"), GetParam());
  EXPECT_TRUE(r.state.finished);
  EXPECT_FALSE(r.state.failed) << r.state.reason;
  EXPECT_FALSE(r.state.answer.content.empty());
  EXPECT_EQ(r.state.answer.finish_reason, "stop");
  EXPECT_EQ(r.state.answer.usage.input_tokens, 14);
  EXPECT_EQ(r.state.answer.usage.output_tokens, 3);
}

INSTANTIATE_TEST_SUITE_P(Pieces, OpenAIStream,
                         ::testing::Values(size_t{1}, size_t{7}, size_t{1 << 20}));

class AnthropicStream : public ::testing::TestWithParam<size_t> {};

TEST_P(AnthropicStream, RecordedStreamAddsUpToTheAnswer) {
  auto d = MakeAnthropicStreamDecoder({});
  Decoded r = Decode(*d, Raw("anthropic/stream_basic.sse"), GetParam());
  EXPECT_TRUE(r.state.finished);
  EXPECT_FALSE(r.state.failed) << r.state.reason;
  EXPECT_EQ(r.state.answer.content, "[12345,67890]");
  EXPECT_EQ(r.deltas, (std::vector<std::string>{"[", "12", "345,", "67890]"}));
  EXPECT_EQ(r.state.answer.finish_reason, "stop");
  EXPECT_EQ(r.state.answer.usage.input_tokens, 135);
  EXPECT_EQ(r.state.answer.usage.output_tokens, 10);
}

TEST_P(AnthropicStream, ErrorEventAfterTheStartFailsTheStream) {
  auto d = MakeAnthropicStreamDecoder({});
  Decoded r = Decode(*d, Raw("anthropic/stream_error.sse"), GetParam());
  EXPECT_FALSE(r.state.finished);  // no message_stop
  EXPECT_TRUE(r.state.failed);
  EXPECT_EQ(r.state.failure, Outcome::kServerError);
  EXPECT_EQ(r.state.reason, "stream error overloaded_error: Overloaded");
  EXPECT_EQ(r.state.answer.content, "[");  // what had arrived: a partial answer
}

INSTANTIATE_TEST_SUITE_P(Pieces, AnthropicStream,
                         ::testing::Values(size_t{1}, size_t{7}, size_t{1 << 20}));

TEST_P(OpenAIStream, ToolCallPiecesComeAsOpenAISentThem) {
  auto d = MakeOpenAIStreamDecoder();
  Decoded r = Decode(*d, Raw("openai/stream_tool_calls.sse"), GetParam());
  EXPECT_TRUE(r.state.finished);
  EXPECT_EQ(r.state.answer.finish_reason, "tool_calls");
  ASSERT_EQ(r.state.answer.tool_calls.size(), 1u);
  const ToolCall& c = r.state.answer.tool_calls[0];
  EXPECT_EQ(c.name, "multiply");
  EXPECT_EQ(c.id.substr(0, 5), "call_");
  EXPECT_EQ(c.arguments, R"({"a":1231,"b":2331})");
  ASSERT_EQ(r.calls.size(), 12u);  // the opening piece and 11 of arguments
  EXPECT_EQ(r.calls[0].id, c.id);
  EXPECT_EQ(r.calls[0].arguments, "");
  EXPECT_TRUE(r.calls[1].id.empty());
  EXPECT_TRUE(r.deltas.empty());
}

TEST_P(OpenAIStream, ParallelCallsAreNumberedInOrder) {
  auto d = MakeOpenAIStreamDecoder();
  Decoded r = Decode(*d, Raw("openai/stream_parallel_tool_calls.sse"), GetParam());
  ASSERT_EQ(r.state.answer.tool_calls.size(), 2u);
  EXPECT_EQ(r.state.answer.tool_calls[0].arguments, R"({"location": "San Francisco"})");
  EXPECT_EQ(r.state.answer.tool_calls[1].arguments, R"({"location": "Boston"})");
  EXPECT_EQ(r.calls.front().index, 0);
  EXPECT_EQ(r.calls.back().index, 1);
}

TEST_P(OpenAIStream, ACallWithoutIndexOrIdIsStillACall) {
  // Gemini's OpenAI-compatible stream: the whole call in one chunk, no index, "id": "", and
  // finish_reason "stop".
  auto d = MakeOpenAIStreamDecoder();
  Decoded r = Decode(*d, Raw("openai-compatible/gemini_stream_tool_call.sse"), GetParam());
  ASSERT_EQ(r.state.answer.tool_calls.size(), 1u);
  EXPECT_EQ(r.state.answer.tool_calls[0].id, "call_0");
  EXPECT_EQ(r.state.answer.tool_calls[0].name, "return_list_of_str");
  EXPECT_EQ(r.state.answer.tool_calls[0].arguments, R"({"value":["apple","banana","orange"]})");
  EXPECT_EQ(r.state.answer.finish_reason, "tool_calls");
}

TEST_P(OpenAIStream, AzuresLeadingFilterChunkIsNotAnAnswer) {
  // Azure's first chunk has empty choices, id and model, and prompt_filter_results.
  auto d = MakeOpenAIStreamDecoder();
  Decoded r = Decode(*d, Raw("openai-compatible/azure_stream_prompt_filter.sse"), GetParam());
  EXPECT_TRUE(r.state.finished);
  EXPECT_FALSE(r.state.failed) << r.state.reason;
  EXPECT_EQ(r.state.answer.content.substr(0, 3), "Why");
  EXPECT_EQ(r.state.answer.finish_reason, "stop");
  EXPECT_TRUE(r.state.answer.tool_calls.empty());
  EXPECT_EQ(r.events, 23);
}

TEST_P(AnthropicStream, ToolUseBlocksAreRenumberedAmongCalls) {
  auto d = MakeAnthropicStreamDecoder({});
  Decoded r = Decode(*d, Raw("anthropic/stream_tool_use.sse"), GetParam());
  EXPECT_TRUE(r.state.finished);
  EXPECT_EQ(r.state.answer.finish_reason, "tool_calls");
  EXPECT_EQ(r.state.answer.content.substr(0, 16), "Certainly! I can");
  ASSERT_EQ(r.state.answer.tool_calls.size(), 2u);
  EXPECT_EQ(r.state.answer.tool_calls[0].id, "toolu_014x5X91kx3fvdhpLvwXZWE2");
  EXPECT_EQ(r.state.answer.tool_calls[0].name, "get_weather");
  EXPECT_EQ(r.state.answer.tool_calls[0].arguments,
            R"({"location": "San Francisco, CA", "unit": "celsius"})");
  EXPECT_EQ(r.state.answer.tool_calls[1].name, "get_time");
  EXPECT_EQ(r.state.answer.tool_calls[1].arguments, R"({"timezone": "America/Los_Angeles"})");
  // Blocks 1 and 2 are calls 0 and 1; the empty first pieces are not passed on.
  for (const ToolCallDelta& c : r.calls) {
    EXPECT_TRUE(c.index == 0 || c.index == 1);
    EXPECT_TRUE(!c.id.empty() || !c.arguments.empty());
  }
  EXPECT_EQ(r.calls.front().id, "toolu_014x5X91kx3fvdhpLvwXZWE2");
}

TEST(AnthropicStreamSchema, TheAnswerToolsInputStreamsAsText) {
  CompleteRequest q;
  q.json_schema.schema = R"({"type":"object"})";
  q.json_schema.name = "Answer";
  auto d = MakeAnthropicStreamDecoder(q);
  std::string stream =
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
      "\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"Answer\",\"input\":{}}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\"}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"1}\"}}\n\n"
      "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
      "\"tool_use\"},\"usage\":{\"output_tokens\":3}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  Decoded r = Decode(*d, stream, 5);
  EXPECT_EQ(r.state.answer.content, R"({"a":1})");
  EXPECT_EQ(r.deltas, (std::vector<std::string>{R"({"a":)", "1}"}));
  EXPECT_TRUE(r.calls.empty());
  EXPECT_EQ(r.state.answer.finish_reason, "stop");
}

TEST(StreamDecoder, GarbageChunkIsABadResponse) {
  auto d = MakeOpenAIStreamDecoder();
  StreamState s;
  StreamDelta delta;
  d->OnEvent({"", "{not json"}, &s, &delta);
  EXPECT_TRUE(s.failed);
  EXPECT_EQ(s.failure, Outcome::kBadResponse);
}

}  // namespace
}  // namespace switchyard
