// Gemini's and Bedrock's recorded streams through the splitter their decoder asks for (SSE,
// AWS's event stream) and the decoder, fed whole and in small pieces.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "wire/aws_event_stream.h"
#include "wire/gemini_chat.h"
#include "wire/stream_decoder.h"

namespace switchyard {
namespace {

std::string Raw(const std::string& rel) {
  std::ifstream in(std::string(SWITCHYARD_TESTDATA) + "/" + rel, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Decoded {
  StreamState state;
  std::string text;  // the deltas' text, joined
  std::vector<ToolCallDelta> calls;
};

Decoded Decode(std::unique_ptr<StreamDecoder> d, const std::string& bytes, size_t piece) {
  Decoded out;
  std::unique_ptr<EventSplitter> split = d->NewSplitter();
  for (size_t i = 0; i < bytes.size(); i += piece) {
    split->Feed(std::string_view(bytes).substr(i, piece), [&](const SseEvent& e) {
      if (out.state.failed) return;
      StreamDelta delta;
      d->OnEvent(e, &out.state, &delta);
      out.text += delta.text;
      for (ToolCallDelta& c : delta.tool_calls) out.calls.push_back(std::move(c));
    });
  }
  return out;
}

class GeminiStream : public ::testing::TestWithParam<size_t> {};
INSTANTIATE_TEST_SUITE_P(Pieces, GeminiStream, ::testing::Values(100000, 1, 13));

TEST_P(GeminiStream, ThoughtsAreLeftOutAndTheCallComesWhole) {
  Decoded d =
      Decode(MakeGeminiStreamDecoder(), Raw("gemini/stream_thought_function_call.sse"), GetParam());
  ASSERT_FALSE(d.state.failed) << d.state.reason;
  EXPECT_TRUE(d.state.finished);
  EXPECT_EQ(d.state.answer.content, "");  // the thought summary is not the answer
  ASSERT_EQ(d.calls.size(), 1u);
  EXPECT_EQ(d.calls[0].index, 0);
  EXPECT_EQ(d.calls[0].name, "pelican_name_generator");
  EXPECT_EQ(d.calls[0].arguments, "{}");
  EXPECT_EQ(d.calls[0].id, "call_OYpyaqycKd2V_uMP65TsgA0_0");
  EXPECT_EQ(d.state.answer.finish_reason, "tool_calls");
  EXPECT_EQ(d.state.answer.usage.input_tokens, 32);
  EXPECT_EQ(d.state.answer.usage.output_tokens, 12 + 42);  // thinking is billed as output
}

TEST_P(GeminiStream, ACallsOwnIdIsKept) {
  Decoded d =
      Decode(MakeGeminiStreamDecoder(), Raw("gemini/stream_function_call_id.sse"), GetParam());
  ASSERT_EQ(d.calls.size(), 1u);
  EXPECT_EQ(d.calls[0].id, "c9bjmkfz");
  EXPECT_EQ(d.calls[0].arguments, R"({"type":"funny"})");
  EXPECT_TRUE(d.state.finished);
}

TEST_P(GeminiStream, TextAndJsonSchemaStreamsAddUp) {
  Decoded d = Decode(MakeGeminiStreamDecoder(), Raw("gemini/stream_after_function_response.sse"),
                     GetParam());
  EXPECT_EQ(d.text, "How about Charles and Sammy?");
  EXPECT_EQ(d.state.answer.finish_reason, "stop");
  Decoded j = Decode(MakeGeminiStreamDecoder(), Raw("gemini/stream_json_schema.sse"), GetParam());
  EXPECT_EQ(j.text.substr(0, 12), R"({"age": 3, ")");
  EXPECT_EQ(j.text.substr(j.text.size() - 16), R"("name": "Cloud"})");
  EXPECT_EQ(j.state.answer.usage.output_tokens, 46);
}

TEST(GeminiStreamFaults, AnErrorEventOrAStreamWithoutItsEnd) {
  Decoded e =
      Decode(MakeGeminiStreamDecoder(),
             "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}]}\r\n\r\n"
             "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\","
             "\"status\":\"UNAVAILABLE\"}}\r\n\r\n",
             1000);
  EXPECT_TRUE(e.state.failed);
  EXPECT_EQ(e.state.failure, Outcome::kServerError);
  EXPECT_EQ(e.text, "Hi");
  Decoded cut = Decode(
      MakeGeminiStreamDecoder(),
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}]}\r\n\r\n", 1000);
  EXPECT_FALSE(cut.state.failed);
  EXPECT_FALSE(cut.state.finished);  // no finishReason: incomplete
}

class BedrockStream : public ::testing::TestWithParam<size_t> {};
INSTANTIATE_TEST_SUITE_P(Pieces, BedrockStream, ::testing::Values(100000, 1, 29));

TEST_P(BedrockStream, RecordedStreamAddsUpToTextAndACall) {
  Decoded d = Decode(MakeBedrockStreamDecoder({}), Raw("bedrock/converse_stream_text_tool_use.bin"),
                     GetParam());
  ASSERT_FALSE(d.state.failed) << d.state.reason;
  EXPECT_TRUE(d.state.finished);
  EXPECT_EQ(d.text,
            "<thinking> To find the temperature of the capital of France, I first need to "
            "determine the capital of France. Then, I can use the temperature tool to get the "
            "current temperature in that city. </thinking>\n");
  ASSERT_EQ(d.state.answer.tool_calls.size(), 1u);
  EXPECT_EQ(d.state.answer.tool_calls[0].id, "tooluse_QjQX34XORLu0wJVplWWHGQ");
  EXPECT_EQ(d.state.answer.tool_calls[0].name, "get_capital");
  EXPECT_EQ(d.state.answer.tool_calls[0].arguments, R"({"country":"France"})");
  EXPECT_EQ(d.calls.front().index, 0);  // block 1, the first call
  EXPECT_EQ(d.state.answer.finish_reason, "tool_calls");
  EXPECT_EQ(d.state.answer.usage.input_tokens, 489);
  EXPECT_EQ(d.state.answer.usage.output_tokens, 59);
}

TEST(BedrockStreamFaults, ExceptionsAndBrokenFrames) {
  std::string start = EncodeEventStreamMessage(
      {{":event-type", "messageStart"}, {":message-type", "event"}}, R"({"role":"assistant"})");
  std::string throttled = EncodeEventStreamMessage(
      {{":exception-type", "throttlingException"}, {":message-type", "exception"}},
      R"({"message":"Too many requests, please wait before trying again."})");
  Decoded t = Decode(MakeBedrockStreamDecoder({}), start + throttled, 1000);
  EXPECT_TRUE(t.state.failed);
  EXPECT_EQ(t.state.failure, Outcome::kRateLimited);
  EXPECT_NE(t.state.reason.find("Too many requests"), std::string::npos) << t.state.reason;

  std::string broken = start;
  broken[broken.size() - 1] = static_cast<char>(broken.back() ^ 0x10);
  Decoded b = Decode(MakeBedrockStreamDecoder({}), broken, 1000);
  EXPECT_TRUE(b.state.failed);
  EXPECT_EQ(b.state.failure, Outcome::kTransportError);
  EXPECT_EQ(b.state.reason, "event stream message checksum does not match");
}

}  // namespace
}  // namespace switchyard
