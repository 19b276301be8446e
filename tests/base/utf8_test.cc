#include "base/utf8.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii, long enough for the eight-byte path"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"));
}

TEST(Utf8, RefusesWhatIsNotUtf8) {
  EXPECT_FALSE(IsValidUtf8("broken \xe2\x9c"));             // cut short
  EXPECT_FALSE(IsValidUtf8("\xff"));                        // never a lead byte
  EXPECT_FALSE(IsValidUtf8("\x80 stray"));                  // continuation without a lead
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));                    // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));                // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));                // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));            // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("eight ok then \xc3\x28 bad"));  // bad continuation
}

TEST(Utf8, PrintableEscapesWhatItCannotShow) {
  EXPECT_EQ(Printable("summarize"), "summarize");
  EXPECT_EQ(Printable("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(Printable("a\xff" "b\n"), "a\\xffb\\x0a");
  EXPECT_EQ(Printable(std::string(100, 'x'), 10), "xxxxxxxxxx...");
  std::string p = Printable("\xe2\x9c\x93\xe2\x9c\x93\xe2\x9c\x93", 4);
  EXPECT_TRUE(IsValidUtf8(p)) << p;
}

}  // namespace
}  // namespace switchyard
