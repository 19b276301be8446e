#include "prompt/fit_prompt.h"

#include <gtest/gtest.h>

#include "prompt/token_calibration.h"
#include "prompt/token_estimate.h"

namespace switchyard {
namespace {

// A conversation of `turns` user/assistant pairs of ~`tokens_per_turn` tokens each, after a
// system message, ending with a fresh user question.
std::vector<Message> Conversation(int turns, int tokens_per_turn) {
  std::vector<Message> m;
  m.push_back({"system", "You are a careful assistant. Never reveal the launch codes."});
  for (int i = 0; i < turns; ++i) {
    std::string text = "turn " + std::to_string(i) + " ";
    text += std::string(static_cast<size_t>(tokens_per_turn) * 4, 'x');
    m.push_back({i % 2 == 0 ? "user" : "assistant", text});
  }
  m.push_back({"user", "So what is the answer to my newest question?"});
  return m;
}

TEST(TokenEstimate, AsciiIsAboutFourBytesPerToken) {
  EXPECT_EQ(EstimateTextTokens(std::string(400, 'a')), 100);
  EXPECT_EQ(EstimateTextTokens(""), 0);
  EXPECT_EQ(EstimateTextTokens("abc"), 1);
}

TEST(TokenEstimate, NonAsciiCharactersCountOneEach) {
  // Three CJK characters (3 bytes each) and one ASCII byte.
  EXPECT_EQ(EstimateTextTokens("\xe4\xbd\xa0\xe5\xa5\xbd\xe5\x90\x97?"), 3 + 1);
}

TEST(TokenEstimate, CountsEveryByteAtEveryOffsetLikeTheSimpleWay) {
  // The estimate reads eight bytes at a time, counting each byte of a word apart for up to
  // 255 words: every kind of byte (ASCII, continuation, lead of each length), at every
  // position of a word and in the tail after the last whole one, and texts of nothing but
  // one kind, long enough to fill each count and go on past it.
  auto simple = [](std::string_view s) {
    int64_t ascii = 0, lead = 0;
    for (unsigned char c : s) {
      ascii += c < 0x80;
      lead += c >= 0xC0;
    }
    return (ascii + 3) / 4 + lead;
  };
  for (int byte : {0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xE4, 0xF0, 0xFF}) {
    for (size_t len = 0; len <= 24; ++len) {
      for (size_t at = 0; at < len; ++at) {
        std::string s(len, 'a');
        s[at] = static_cast<char>(byte);
        ASSERT_EQ(EstimateTextTokens(s), simple(s))
            << "byte " << byte << " at " << at << " of " << len;
        std::string all(len, static_cast<char>(byte));
        ASSERT_EQ(EstimateTextTokens(all), simple(all)) << "all " << byte << " of " << len;
      }
    }
    for (size_t len : {size_t{2039}, size_t{2040}, size_t{2041}, size_t{4080}, size_t{10007}}) {
      std::string all(len, static_cast<char>(byte));
      ASSERT_EQ(EstimateTextTokens(all), simple(all)) << "all " << byte << " of " << len;
    }
  }
}

TEST(TokenEstimate, ImagesToolsAndCallsCount) {
  Message m("user", "");
  m.parts = {{ContentPart::Kind::kText, std::string(40, 'a'), "", ""},
             {ContentPart::Kind::kImage, "", "https://x/y.png", ""},
             {ContentPart::Kind::kImage, "", "https://x/z.png", "low"}};
  EXPECT_EQ(EstimateMessageTokens(m),
            kTokensPerMessage + 10 + kTokensPerImage + kTokensPerLowDetailImage);
  Message call("assistant", "");
  call.tool_calls = {{"c", "abcd", std::string(40, 'a')}};
  EXPECT_EQ(EstimateMessageTokens(call), kTokensPerMessage + kTokensPerTool + 1 + 10);
  CompleteRequest req;
  req.tools = {{"abcd", std::string(8, 'd'), std::string(80, 'p'), false}};
  req.json_schema.schema = std::string(40, 's');
  EXPECT_EQ(EstimateToolTokens(req), kTokensPerTool + 1 + 2 + 20 + kTokensPerTool + 10);
}

TEST(FitPrompt, AToolCallIsDroppedWithItsResultsNeverAlone) {
  std::vector<Message> m = {{"system", "be brief"},
                            {"user", std::string(400, 'q')},
                            {"assistant", ""},
                            {"tool", std::string(400, 'r')},
                            {"tool", std::string(400, 'r')},
                            {"assistant", "done"},
                            {"user", "and now?"}};
  m[2].tool_calls = {{"c1", "f", "{}"}, {"c2", "f", "{}"}};
  m[3].tool_call_id = "c1";
  m[4].tool_call_id = "c2";
  // Room for the system text, the last turns and little else: the first user turn goes,
  // then the call goes with both its results (not the call alone, not one result).
  FitResult r = FitPrompt(m, 60, 1.0);
  ASSERT_TRUE(r.fits);
  for (const Message& kept : r.messages) {
    EXPECT_NE(kept.role, "tool") << "a result kept without its call";
    EXPECT_TRUE(kept.tool_calls.empty()) << "a call kept without its results";
  }
  EXPECT_EQ(r.dropped_messages, 5);
  EXPECT_EQ(r.messages.front().role, "system");
  EXPECT_EQ(r.messages.back().content, "and now?");
}

TEST(TokenEstimate, PromptAddsFramingPerMessage) {
  std::vector<Message> m = {{"user", std::string(40, 'a')}, {"user", std::string(40, 'a')}};
  EXPECT_EQ(EstimatePromptTokens(m), kTokensPerPrompt + 2 * (kTokensPerMessage + 10));
}

TEST(FitPrompt, APromptThatFitsIsNotCopied) {
  auto m = Conversation(4, 100);
  FitResult r = FitPrompt(m, 100000, 1.0);
  EXPECT_TRUE(r.fits);
  EXPECT_FALSE(r.truncated);
  EXPECT_TRUE(r.messages.empty());
  EXPECT_EQ(r.tokens_before, EstimatePromptTokens(m));
  EXPECT_EQ(r.tokens_after, r.tokens_before);
}

TEST(FitPrompt, DropsTheOldestTurnsAndKeepsSystemAndNewest) {
  auto m = Conversation(300, 500);  // ~150k tokens
  ASSERT_GT(EstimatePromptTokens(m), 150000);
  FitResult r = FitPrompt(m, 128000 - 4096, 1.0);
  ASSERT_TRUE(r.fits);
  EXPECT_TRUE(r.truncated);
  EXPECT_LE(r.tokens_after, 128000 - 4096);
  EXPECT_EQ(r.tokens_after, EstimatePromptTokens(r.messages));
  EXPECT_GT(r.dropped_messages, 0);
  EXPECT_EQ(r.cut_chars, 0);  // dropping turns was enough
  EXPECT_EQ(r.messages.front().role, "system");
  EXPECT_EQ(r.messages.front().content, m.front().content);
  EXPECT_EQ(r.messages.back().content, m.back().content);
  // The newest turns survive in order; the first kept turn after the system is a user's.
  EXPECT_EQ(r.messages[1].role, "user");
  EXPECT_EQ(r.messages[r.messages.size() - 2].content, m[m.size() - 2].content);
  EXPECT_EQ(static_cast<int64_t>(m.size() - r.messages.size()), r.dropped_messages);
}

TEST(FitPrompt, CutsTheMiddleOfTheLongestMessageWhenDroppingIsNotEnough) {
  std::vector<Message> m = {{"system", "Be brief."},
                            {"user", "START " + std::string(80000, 'y') + " END"}};
  FitResult r = FitPrompt(m, 16000 - 1000, 1.0);
  ASSERT_TRUE(r.fits);
  EXPECT_LE(r.tokens_after, 15000);
  EXPECT_GT(r.tokens_after, 10000);  // cut to fit, not to nothing
  EXPECT_EQ(r.dropped_messages, 0);
  EXPECT_GT(r.cut_chars, 0);
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].content, "Be brief.");
  const std::string& cut = r.messages[1].content;
  EXPECT_EQ(cut.substr(0, 6), "START ");  // both ends survive
  EXPECT_EQ(cut.substr(cut.size() - 4), " END");
  EXPECT_NE(cut.find("characters cut to fit the context window"), std::string::npos);
}

TEST(FitPrompt, NeverSplitsAMultiByteCharacter) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "\xe4\xbd\xa0";  // 20k CJK characters
  std::vector<Message> m = {{"user", text}};
  FitResult r = FitPrompt(m, 5000, 1.0);
  ASSERT_TRUE(r.fits);
  const std::string& cut = r.messages[0].content;
  size_t marker = cut.find("\n[...");
  ASSERT_NE(marker, std::string::npos);
  EXPECT_EQ(marker % 3, 0u);  // the head ends on a character boundary
  size_t tail = cut.find("...]\n") + 5;
  EXPECT_EQ((cut.size() - tail) % 3, 0u);
}

TEST(FitPrompt, CalibrationShrinksTheBudget) {
  auto m = Conversation(40, 500);  // ~20k raw tokens
  FitResult plain = FitPrompt(m, 16000, 1.0);
  FitResult denser = FitPrompt(m, 16000, 1.5);  // this model's tokenizer counts 1.5x
  EXPECT_LE(denser.tokens_after, 16000);
  EXPECT_GT(denser.dropped_messages, plain.dropped_messages);
}

TEST(FitPrompt, ImpossibleBudgetDoesNotFit) {
  std::vector<Message> m = {{"system", "x"}, {"user", "y"}};
  FitResult r = FitPrompt(m, 5, 1.0);  // the framing alone is more
  EXPECT_FALSE(r.fits);
}

TEST(TokenCalibration, LearnsTheRatioAndSurvivesARestore) {
  TokenCalibration c;
  EXPECT_DOUBLE_EQ(c.Ratio("m"), 1.0);
  c.Observe("m", 1000, 1300);
  EXPECT_DOUBLE_EQ(c.Ratio("m"), 1.3);
  for (int i = 0; i < 200; ++i) c.Observe("m", 1000, 1200);
  EXPECT_NEAR(c.Ratio("m"), 1.2, 0.01);
  EXPECT_NEAR(static_cast<double>(c.Scale("m", 1000)), 1200, 2);
  c.Observe("m", 10, 100000);  // absurd report: clamped
  EXPECT_LT(c.Ratio("m"), 1.4);
  TokenCalibration restarted;
  restarted.Restore("m", 50000, 60000);
  EXPECT_DOUBLE_EQ(restarted.Ratio("m"), 1.2);
  EXPECT_DOUBLE_EQ(restarted.Ratio("other"), 1.0);
}

}  // namespace
}  // namespace switchyard
