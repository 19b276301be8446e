// AWS's event-stream framing: a real ConverseStream recording (every checksum AWS's), in any
// pieces; a round trip; and each way a frame can be wrong, which ends the stream.
#include "wire/aws_event_stream.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <sstream>

namespace switchyard {
namespace {

std::string Recording() {
  std::ifstream in(std::string(SWITCHYARD_TESTDATA) + "/bedrock/converse_stream_text_tool_use.bin",
                   std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<EventStreamMessage> Parse(const std::string& bytes, size_t piece,
                                      std::string* error = nullptr) {
  EventStreamParser p;
  std::vector<EventStreamMessage> out;
  for (size_t i = 0; i < bytes.size(); i += piece) {
    p.Feed(std::string_view(bytes).substr(i, piece),
           [&](const EventStreamMessage& m) { out.push_back(m); });
  }
  if (error) *error = p.error();
  return out;
}

TEST(AwsEventStream, RecordedConverseStreamInAnyPieces) {
  std::string rec = Recording();
  ASSERT_EQ(rec.size(), 9237u);
  for (size_t piece : {rec.size(), size_t{1}, size_t{7}, size_t{100}}) {
    std::string error;
    std::vector<EventStreamMessage> m = Parse(rec, piece, &error);
    EXPECT_EQ(error, "");
    ASSERT_EQ(m.size(), 49u) << piece;
    EXPECT_EQ(m.front().Header(":event-type"), "messageStart");
    EXPECT_EQ(m.front().Header(":message-type"), "event");
    EXPECT_EQ(m.front().Header(":content-type"), "application/json");
    EXPECT_EQ(m.front().payload,
              R"({"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV","role":"assistant"})");
    EXPECT_EQ(m[m.size() - 2].Header(":event-type"), "messageStop");
    EXPECT_EQ(m.back().Header(":event-type"), "metadata");
  }
}

TEST(AwsEventStream, RoundTripAndHeaderTypesReadPast) {
  std::string m = EncodeEventStreamMessage({{":event-type", "chunk"}, {"x", "y"}}, "payload");
  std::vector<EventStreamMessage> got = Parse(m + m, 3);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].Header(":event-type"), "chunk");
  EXPECT_EQ(got[1].Header("x"), "y");
  EXPECT_EQ(got[1].payload, "payload");
  EXPECT_EQ(got[1].Header("absent"), "");
}

TEST(AwsEventStream, EveryBrokenFrameEndsTheStream) {
  const std::string good = EncodeEventStreamMessage({{":event-type", "a"}}, "{}");
  auto flip = [&](size_t at) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    return bad;
  };
  std::string error;
  // A payload byte changed: the message checksum; nothing after it is read either.
  EXPECT_TRUE(Parse(flip(good.size() - 6) + good, 1000, &error).empty());
  EXPECT_EQ(error, "event stream message checksum does not match");
  // A length byte changed: the prelude checksum.
  EXPECT_TRUE(Parse(flip(3) + good, 1000, &error).empty());
  EXPECT_EQ(error, "event stream prelude checksum does not match");
  // The first message is handed on before the broken second ends it.
  EXPECT_EQ(Parse(good + flip(good.size() - 6), 5, &error).size(), 1u);
  EXPECT_NE(error, "");
}

// A frame with these raw headers and lengths, its checksums right: what a sender that
// means it would send.
std::string Frame(const std::string& raw_headers, const std::string& payload,
                  uint32_t total_override = 0) {
  auto be32 = [](uint32_t v) {
    std::string b(4, '\0');
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (24 - 8 * i));
    return b;
  };
  auto crc = [](const std::string& s) {
    return static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
  };
  uint32_t total = static_cast<uint32_t>(16 + raw_headers.size() + payload.size());
  std::string m = be32(total_override ? total_override : total) +
                  be32(static_cast<uint32_t>(raw_headers.size()));
  m += be32(crc(m)) + raw_headers + payload;
  return m + be32(crc(m));
}

TEST(AwsEventStream, OtherHeaderTypesAreReadPast) {
  // An int32 header, a true, then the string header the reader wants.
  std::string raw = std::string("\x01n\x04\x00\x00\x00\x07", 7) + std::string("\x01t\x00", 3) +
                    std::string("\x0b:event-type\x07\x00\x01z", 16);
  std::vector<EventStreamMessage> got = Parse(Frame(raw, "{}"), 4);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].Header(":event-type"), "z");
  EXPECT_EQ(got[0].payload, "{}");
}

TEST(AwsEventStream, ImpossibleLengthsAndHeaderTypes) {
  std::string error;
  // A header type that does not exist, in a frame whose checksums are right.
  EXPECT_TRUE(Parse(Frame(std::string("\x01k\x2a", 3), "{}"), 100, &error).empty());
  EXPECT_EQ(error, "event stream headers cannot be read");
  // A string header longer than the headers.
  EXPECT_TRUE(Parse(Frame(std::string("\x01k\x07\x00\x09"
                                      "ab",
                                      7),
                          ""),
                    100, &error)
                  .empty());
  EXPECT_EQ(error, "event stream headers cannot be read");
  // A length past AWS's limit, its prelude checksum right: not waited for, refused.
  EXPECT_TRUE(Parse(Frame("", "", 64u << 20).substr(0, 12), 100, &error).empty());
  EXPECT_EQ(error, "event stream message length 67108864 cannot be");
}

}  // namespace
}  // namespace switchyard
