#include "protocol/frame_reader.h"

#include <gtest/gtest.h>

#include "protocol/codec.h"

namespace switchyard {
namespace {

TEST(FrameReader, SplitsFramesAcrossArbitraryReads) {
  std::string stream =
      EncodeEmptyCall(1, "ping") + EncodeEmptyCall(2, "status") + EncodeEmptyCall(3, "ping");
  FrameReader reader{FrameLimits{}};
  std::vector<uint32_t> ids;
  for (char c : stream) {
    Status s = reader.Feed(&c, 1, [&](msgpack::object_handle&& oh) {
      Envelope env;
      ASSERT_TRUE(ParseEnvelope(oh.get(), &env).ok());
      ids.push_back(env.msgid);
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(ids, (std::vector<uint32_t>{1, 2, 3}));
}

TEST(FrameReader, ArrayHeaderClaiming4GElementsIsRejectedBeforeAllocating) {
  FrameReader reader{FrameLimits{}};
  const char bomb[] = "\xdd\xff\xff\xff\xff";  // array32 of 2^32-1 elements
  int frames = 0;
  Status s = reader.Feed(bomb, 5, [&](msgpack::object_handle&&) { ++frames; });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "array longer than 100000 elements");
  EXPECT_EQ(frames, 0);
}

TEST(FrameReader, MapAndStringHeadersBeyondLimitsAreRejected) {
  FrameLimits limits;
  limits.max_frame_bytes = 4096;
  FrameReader maps(limits);
  EXPECT_EQ(maps.Feed("\xdf\x00\x01\x00\x00", 5, [](auto&&) {}).message(),
            "map larger than 1024 pairs");
  // A string header claims 2 GB: nothing is allocated for the claim, and the frame is refused
  // as soon as what arrived passes the frame limit.
  FrameReader strs(limits);
  EXPECT_TRUE(strs.Feed("\xdb\x7f\xff\xff\xff", 5, [](auto&&) {}).ok());
  std::string filler(5000, 'x');
  EXPECT_EQ(strs.Feed(filler.data(), filler.size(), [](auto&&) {}).message(),
            "frame larger than 4096 bytes");
}

TEST(FrameReader, DeepNestingIsRejected) {
  FrameReader reader{FrameLimits{}};
  std::string deep(64, '\x91');  // 64 nested one-element arrays
  deep += '\xc0';
  Status s = reader.Feed(deep.data(), deep.size(), [](auto&&) {});
  EXPECT_EQ(s.message(), "frame nests deeper than 16");
}

TEST(FrameReader, IncompleteFrameLargerThanLimitIsRejected) {
  FrameLimits limits;
  limits.max_frame_bytes = 1024;
  FrameReader reader(limits);
  // An array promising 10 strings of 200 bytes: legal element by element, too big in all.
  Status s = reader.Feed("\x9a", 1, [](auto&&) {});
  std::string elem = "\xd9\xc8" + std::string(200, 'x');  // str8 of 200 bytes
  for (int i = 0; i < 10 && s.ok(); ++i) s = reader.Feed(elem.data(), elem.size(), [](auto&&) {});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "frame larger than 1024 bytes");
}

TEST(FrameReader, MalformedBytesAreAnError) {
  FrameReader reader{FrameLimits{}};
  const char bad[] = "\xc1";  // never used in msgpack
  EXPECT_FALSE(reader.Feed(bad, 1, [](auto&&) {}).ok());
}

}  // namespace
}  // namespace switchyard
