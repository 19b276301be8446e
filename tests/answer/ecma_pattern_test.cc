// Schema patterns (ECMA 262) spelt for RE2, and matched by it as ECMA 262 means them: a table
// of the spellings, and random patterns checked against std::regex's ECMAScript grammar.
#include "answer/ecma_pattern.h"

#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>
#include <vector>

namespace switchyard {
namespace {

bool Finds(const char* ecma, const std::string& text) {
  std::unique_ptr<RE2> re = CompileEcmaPattern(ecma);
  EXPECT_TRUE(re) << ecma;
  return re && RE2::PartialMatch(text, *re);
}

TEST(EcmaPattern, SpellsWhatRe2ReadsOtherwise) {
  EXPECT_EQ(Re2Syntax("^\\d{3}-\\w+$"), "^\\d{3}-\\w+$");
  EXPECT_EQ(Re2Syntax("a.b"), "a[^\\n\\r\\x{2028}\\x{2029}]b");
  EXPECT_EQ(Re2Syntax("[.]"), "[.]");
  EXPECT_EQ(Re2Syntax("\\u00e9\\x41\\cJ\\0"), "\\x{e9}\\x{41}\\x{a}\\x{0}");
  EXPECT_EQ(Re2Syntax("\\/\\-\\:"), "\\/\\-\\:");
  // Escaped letters with no meaning in ECMA 262 are the letters; RE2 gives them one.
  EXPECT_EQ(Re2Syntax("\\a\\z\\A\\Q\\p"), "azAQp");
  EXPECT_EQ(Re2Syntax("[[:alpha:]]"), "[\\[:alpha:]]");
  EXPECT_EQ(Re2Syntax("(?<year>\\d{4})(?:x)"), "(?P<year>\\d{4})(?:x)");
  EXPECT_EQ(Re2Syntax("[\\b]\\b"), "[\\x{8}]\\b");
  // Counts without leading zeros (RE2 reads "{01}" as text); a '{' that begins none is text.
  EXPECT_EQ(Re2Syntax("a{01,002}b{0}"), "a{1,2}b{0}");
  EXPECT_EQ(Re2Syntax("a{,3}x{"), "a\\{,3}x\\{");
}

TEST(EcmaPattern, RefusesWhatRe2CannotSayOrIsNotEcma) {
  for (const char* p : {"(?=a)", "(?!a)", "(?<=a)b", "(a)\\1", "\\k<n>", "[\\S]", "(?i)a", "a\\",
                        "[a", "\\u{1F600}", "\\012", "a{99999999999}", "\\c."}) {
    EXPECT_FALSE(Re2Syntax(p)) << p;
  }
  // Spelt, but RE2 refuses it: more repetitions than it takes.
  EXPECT_TRUE(Re2Syntax("a{5000}"));
  EXPECT_FALSE(CompileEcmaPattern("a{5000}"));
}

TEST(EcmaPattern, MatchesAsEcmaMeansIt) {
  // What crashed or stalled RapidJSON's own engine is an ordinary pattern here.
  EXPECT_TRUE(Finds("a()", "a"));
  EXPECT_TRUE(Finds("a(|b)c", "ac"));
  EXPECT_TRUE(Finds("^(a*)*$", "aaa"));
  EXPECT_FALSE(Finds("^(a*)*$", "aab"));
  EXPECT_TRUE(Finds("a*", "b"));  // found, empty, in every string
  // ECMA's whitespace and line terminators, which RE2's \s and . differ on.
  EXPECT_TRUE(Finds("^\\s$", "\v"));
  EXPECT_TRUE(Finds("^\\s$", "\xe2\x80\xa8"));  // U+2028
  EXPECT_FALSE(Finds("^.$", "\n"));
  EXPECT_FALSE(Finds("^.$", "\xe2\x80\xa9"));  // U+2029
  EXPECT_TRUE(Finds("^.$", "\xc3\xa9"));       // one code point
  EXPECT_FALSE(Finds("^[]$", "a"));
  EXPECT_TRUE(Finds("^[^]$", "\n"));
  EXPECT_TRUE(Finds("^\\u00e9$", "\xc3\xa9"));
  EXPECT_TRUE(Finds("^\\z$", "z"));
  EXPECT_TRUE(Finds("^a+?$", "aaa"));  // lazy, and still to the end
  EXPECT_TRUE(Finds("^[\\w.-]+@[\\w-]+\\.[a-z]{2,}$", "me.x@mail-host.org"));
}

// Random patterns over the characters that make regex structure, matched by RE2 as spelt and
// by std::regex as ECMAScript: wherever both read the pattern, they find the same strings.
TEST(EcmaPattern, RandomPatternsMatchAsStdRegexEcmaScriptDoes) {
  const std::string alphabet = "ab()|*+?{}0123,^$[].\\dws-:";
  std::mt19937 rng(7);
  std::vector<std::string> subjects = {"", "a.b", "{2}", "a-b", "0", "12", " a"};
  for (int len = 1; len <= 5; ++len) {
    for (int bits = 0; bits < (1 << len); ++bits) {
      std::string s;
      for (int i = 0; i < len; ++i) s.push_back((bits >> i) & 1 ? 'b' : 'a');
      subjects.push_back(s);
    }
  }
  int compared = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string p;
    size_t len = 1 + rng() % 8;
    for (size_t i = 0; i < len; ++i) p.push_back(alphabet[rng() % alphabet.size()]);
    // libstdc++ reads POSIX's [[.x.]] and [[:x:]] in its ECMAScript grammar; ECMA 262 does not.
    if (p.find("[.") != std::string::npos || p.find("[:") != std::string::npos) continue;
    std::unique_ptr<RE2> re = CompileEcmaPattern(p);
    if (!re) continue;
    std::regex ecma;
    try {
      ecma = std::regex(p, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      continue;
    }
    for (const std::string& s : subjects) {
      ++compared;
      ASSERT_EQ(RE2::PartialMatch(s, *re), std::regex_search(s, ecma))
          << p << " (RE2: " << *Re2Syntax(p) << ") on '" << s << "'";
    }
  }
  EXPECT_GT(compared, 50000);
}

}  // namespace
}  // namespace switchyard
