// The recorded streams of both providers, through the SSE parser and each stream decoder,
// fed whole and one byte at a time (a stream arrives in arbitrary pieces).
#include <gtest/gtest.h>

#include "wire/sse.h"
#include "wire/stream_decoder.h"
#include "providers/testdata_util.h"

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
