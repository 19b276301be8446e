#include "base/redactor.h"

#include <gtest/gtest.h>

namespace switchyard {
namespace {

constexpr std::string_view kKey = "sk-proj-Zq8vT2mW4xK9pL3nR7yB5cE1";

Redactor WithKey(std::string_view key = kKey) {
  Redactor r;
  r.Add(key);
  return r;
}

// \u-escapes every byte of `s`, as a JSON writer that escapes everything would.
std::string Escaped(std::string_view s, bool upper = false) {
  std::string out;
  char buf[8];
  for (char c : s) {
    std::snprintf(buf, sizeof buf, upper ? "\\u%04X" : "\\u%04x", static_cast<unsigned char>(c));
    out += buf;
  }
  return out;
}

TEST(Redactor, ReplacesTheWholeKeyWherever) {
  Redactor r = WithKey();
  EXPECT_EQ(r.Redact("auth Bearer sk-proj-Zq8vT2mW4xK9pL3nR7yB5cE1 refused"),
            "auth Bearer [redacted] refused");
  EXPECT_EQ(r.Redact("xsk-proj-Zq8vT2mW4xK9pL3nR7yB5cE1x"), "x[redacted]x");
  EXPECT_EQ(r.Redact(std::string(kKey) + std::string(kKey)), "[redacted][redacted]");
}

// A key, its escaped form and OpenAI's echo are found at every offset from the start and from
// the end of a text, and a second one after the first.
TEST(Redactor, FindsAMatchAtEveryOffset) {
  Redactor r = WithKey();
  for (std::string_view found : {kKey, std::string_view("key provided: sk-pr****5cE1")}) {
    std::string mark = found == kKey ? "[redacted]" : "key provided: [redacted]";
    for (size_t before = 0; before < 20; ++before) {
      for (size_t after = 0; after < 20; ++after) {
        std::string text = std::string(before, 'x') + std::string(found) + std::string(after, ' ');
        EXPECT_EQ(r.Redact(text), std::string(before, 'x') + mark + std::string(after, ' '))
            << before << " " << after;
        EXPECT_EQ(r.Redact(text + " " + std::string(found)),
                  std::string(before, 'x') + mark + std::string(after, ' ') + " " + mark);
      }
    }
  }
  for (size_t before = 0; before < 20; ++before) {
    std::string text = std::string(before, 'x') + Escaped(kKey) + "x";
    EXPECT_EQ(r.Redact(text), std::string(before, 'x') + "[redacted]x") << before;
  }
}

TEST(Redactor, ReplacesTheKeyWithoutItsPrefixAndItsLastEight) {
  Redactor r = WithKey();
  EXPECT_EQ(r.Redact("key Zq8vT2mW4xK9pL3nR7yB5cE1 was"), "key [redacted] was");
  EXPECT_EQ(r.Redact("key proj-Zq8vT2mW4xK9pL3nR7yB5cE1 was"), "key [redacted] was");
  EXPECT_EQ(r.Redact("ending R7yB5cE1."), "ending [redacted].");
  EXPECT_EQ(r.Redact("ending...R7yB5cE1"), "ending...[redacted]");
}

TEST(Redactor, ReplacesTheLastFourOnlyAfterAMask) {
  Redactor r = WithKey();
  EXPECT_EQ(r.Redact("sk-pr*****************5cE1."), "sk-pr*****************[redacted].");
  EXPECT_EQ(r.Redact("sk-...5cE1"), "sk-...[redacted]");
  EXPECT_EQ(r.Redact("sk-\u20265cE1 and sk-\u20225cE1"),
            "sk-\u2026[redacted] and sk-\u2022[redacted]");
  // Four bytes of ordinary text are left alone.
  EXPECT_EQ(r.Redact("code 5cE1 and x5cE1"), "code 5cE1 and x5cE1");
  EXPECT_EQ(r.Redact("**5cE1x"), "**5cE1x");
}

TEST(Redactor, ReplacesJsonEscapedForms) {
  Redactor r = WithKey();
  EXPECT_EQ(r.Redact("{\"m\":\"" + Escaped(kKey) + "\"}"), "{\"m\":\"[redacted]\"}");
  EXPECT_EQ(r.Redact("{\"m\":\"" + Escaped(kKey, true) + "\"}"), "{\"m\":\"[redacted]\"}");
  // Some characters escaped, some not.
  std::string mixed = "\\u0073k-proj-Zq8vT2mW4xK9pL3nR7yB5c\\u00451";
  EXPECT_EQ(r.Redact("[" + mixed + "]"), "[[redacted]]");
  Redactor slash = WithKey("key/with/slashes/0123456789");
  EXPECT_EQ(slash.Redact("\"key\\/with\\/slashes\\/0123456789\""), "\"[redacted]\"");
}

TEST(Redactor, ReplacesOpenAIsEchoOfAnyKey) {
  Redactor none;
  EXPECT_EQ(none.Redact("Incorrect API key provided: sk-ab***1234. You can find"),
            "Incorrect API key provided: [redacted]. You can find");
  EXPECT_EQ(none.Redact("key provided: abc, then"), "key provided: [redacted], then");
  EXPECT_EQ(none.Redact("no key here"), "no key here");
}

TEST(Redactor, ShortKeysOnlyAsWholeWords) {
  Redactor r = WithKey("abc123");
  EXPECT_EQ(r.Redact("key abc123 refused"), "key [redacted] refused");
  EXPECT_EQ(r.Redact("xabc123 abc1234"), "xabc123 abc1234");
  Redactor one = WithKey("Q");
  EXPECT_EQ(one.Redact("Q, or Q. Not QQ"), "[redacted], or [redacted]. Not QQ");
}

TEST(Redactor, LeavesOtherTextAlone) {
  Redactor r = WithKey();
  std::string text = "{\"choices\":[{\"message\":{\"content\":\"sk- and s k, \\\\u0073 \\\\n\"}}]}";
  EXPECT_EQ(r.Redact(text), text);
  std::string copy = text;
  EXPECT_FALSE(r.RedactInPlace(&copy));
  EXPECT_EQ(copy, text);
  std::string leaky = "x " + std::string(kKey);
  EXPECT_TRUE(r.RedactInPlace(&leaky));
  EXPECT_EQ(leaky, "x [redacted]");
}

TEST(Redactor, EveryKeyAddedIsKept) {
  Redactor r = WithKey();
  r.Add("sk-ant-api03-Yt6uI9oP2aS5dF8gH1jK4lZ7");
  EXPECT_EQ(r.Redact(std::string(kKey) + " sk-ant-api03-Yt6uI9oP2aS5dF8gH1jK4lZ7"),
            "[redacted] [redacted]");
  // Without its three prefix segments.
  EXPECT_EQ(r.Redact("Yt6uI9oP2aS5dF8gH1jK4lZ7"), "[redacted]");
}

// Every way of cutting a text into two pieces gives the same result as the whole: a key
// split between reads is still caught, and nothing is lost or doubled.
TEST(Redactor, StreamCatchesAKeySplitBetweenPieces) {
  Redactor r = WithKey();
  std::vector<std::string> texts = {
      "data: {\"error\":{\"message\":\"bad key " + std::string(kKey) + " given\"}}\n\n",
      "data: " + Escaped(kKey) + " and sk-pr****5cE1\n\n",
      "Incorrect API key provided: sk-ab***1234. Bye",
      "ends with the key " + std::string(kKey),
      "ends with a prefix of it sk-proj-Zq8",
  };
  for (const std::string& text : texts) {
    std::string whole = r.Redact(text);
    for (size_t cut = 0; cut <= text.size(); ++cut) {
      Redactor::Stream s(&r);
      std::string out;
      s.Feed(std::string_view(text).substr(0, cut), &out);
      s.Feed(std::string_view(text).substr(cut), &out);
      s.Finish(&out);
      EXPECT_EQ(out, whole) << "cut at " << cut << " of: " << text;
    }
  }
}

TEST(Redactor, StreamPassesOrdinaryTextOnAtOnce) {
  Redactor r = WithKey();
  Redactor::Stream s(&r);
  std::string out;
  s.Feed("data: {\"choices\":[]}\n\n", &out);
  EXPECT_EQ(out, "data: {\"choices\":[]}\n\n");
  // A tail that could start the key waits for the next piece.
  out.clear();
  s.Feed("text sk-pr", &out);
  EXPECT_EQ(out, "text ");
  s.Feed("ose", &out);
  EXPECT_EQ(out, "text sk-prose");
}

}  // namespace
}  // namespace switchyard
