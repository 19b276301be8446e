// Which schema patterns RapidJSON's own regex engine is given: those it would crash on or
// misread are refused, and those it is given mean there what ECMA 262 (std::regex's
// ECMAScript grammar here) means by them.
#include "answer/rapidjson_pattern.h"

#include <gtest/gtest.h>
#include <rapidjson/internal/regex.h>

#include <optional>
#include <random>
#include <regex>
#include <string>
#include <vector>

namespace switchyard {
namespace {

bool Given(std::string_view p) { return EnginePattern(p).has_value(); }

// Whether the engine, given what EnginePattern makes of the ECMA 262 `pattern`, finds it in `s`.
bool EngineMatches(const std::string& pattern, const std::string& s) {
  std::optional<std::string> given = EnginePattern(pattern);
  EXPECT_TRUE(given) << pattern;
  if (!given) return false;
  rapidjson::internal::Regex re(given->c_str());
  EXPECT_TRUE(re.IsValid()) << *given;
  return re.IsValid() && re.Search(s.c_str());
}

TEST(RapidJsonPattern, RefusesWhatCrashesTheEngine) {
  // Each reads outside the engine's operand stack (an empty group or alternative counted
  // as an operand, a count with nothing to repeat) or builds states without bound.
  for (const char* p : {"a()", "()a", "a(|b)", "a(b|)", "(^)a", "a($)", "{2}", "a|{2}", "a({3})",
                        "((a{999}){999}){999}", "a{0,4294967295}", "a{5000}"}) {
    EXPECT_FALSE(Given(p)) << p;
  }
}

TEST(RapidJsonPattern, RefusesWhatTheEngineWouldMisread) {
  // Group syntax it lacks, anchors it applies to the whole pattern, an unclosed group it
  // reads as a repeat, escapes it does not know, and what it stops early at.
  for (const char* p :
       {"(?:ab)c", "a(?=b)", "^a|b", "a|b$", "a^b", "a$b", "(^a)", "(a", "a)", "\\D", "\\bword",
        "[]", "[^]", "", "a|", "|a", "a\\", "[a", "a{2,1}", "a{,2}", "a{0}", "a{x}", "\xff",
        // lazy, and what loops or doubles the engine's empty steps
        "a+?", "a{2}?", "(a?)*", "(a*)+", "a**", "(a?)?", "(a?|b?)c"}) {
    EXPECT_FALSE(Given(p)) << p;
  }
  EXPECT_FALSE(Given(std::string("a\0b", 3)));
}

TEST(RapidJsonPattern, ReadsWhatSchemasUse) {
  for (const char* p :
       {"^[a-z]{2,64}$", "^[0-9]{5}$", "^(foo|bar)+$", "^a$|^b$", "colou?r",
        "^[^@ ]+@[^@ ]+\\.[a-z]{2,}$", "^[0-9a-f]{8}-[0-9a-f]{4}$", "x{0,3}y", "^(ab){2}c*$",
        "[A-Za-z0-9_.-]+", "a{2,}", "^\\([0-9]\\)$", "é+", "[\\b\\t]", "a{0,1}", "^(a|b?)c$"}) {
    EXPECT_TRUE(Given(p)) << p;
  }
}

TEST(RapidJsonPattern, CompilesSafelyWhatItWouldMisreadButNotWhatCrashesIt) {
  for (const char* p : {"a**", "$ref", "^a|b", "a^b", "(a?)*", "a+?", "a*?"}) {
    EXPECT_TRUE(EngineCompilesSafely(p)) << p;
    EXPECT_FALSE(Given(p)) << p;
  }
  for (const char* p : {"a()", "a(|b)", "{2}", "((a{999}){999}){999}", "a\\", "\xff"}) {
    EXPECT_FALSE(EngineCompilesSafely(p)) << p;
  }
}

TEST(RapidJsonPattern, SpellsEscapesTheEngineLacks) {
  EXPECT_EQ(EnginePattern("^\\d{5}$"), "^[0-9]{5}$");
  EXPECT_EQ(EnginePattern("^[\\w-]+$"), "^[A-Za-z0-9_-]+$");
  EXPECT_EQ(EnginePattern("^https?:\\/\\/\\s"), "^https?://[ \\t\\n\\r\\f\\v]");
  EXPECT_EQ(EnginePattern("a\\-b\\:c"), "a-b:c");
  // In a class, `\-` is a hyphen that is no range; the engine has no way to say it.
  EXPECT_FALSE(Given("[a\\-z]"));
  // Its own escapes stay escaped; those it lacks are not given.
  EXPECT_EQ(EnginePattern("\\.\\(\\$"), "\\.\\(\\$");
  EXPECT_FALSE(Given("\\S+"));
}

TEST(RapidJsonPattern, WhatMatchesEveryStringBecomesDotStar) {
  // ECMA 262 finds a pattern that can match nothing in every string, unless it is anchored
  // at both ends; the engine would miss it in "b".
  for (const char* p : {"a*", "^a*", "a?$", "(ab)*|c", "x{0,3}"}) {
    EXPECT_EQ(EnginePattern(p), ".*") << p;
  }
  EXPECT_EQ(EnginePattern("^a*$"), "^a*$");
  EXPECT_TRUE(EngineMatches("a*", "b"));
  EXPECT_FALSE(EngineMatches("^a*$", "b"));
}

// Random patterns over the characters that make regex structure: every one compiled is
// compiled without a stray read (under ASan), and every one read is valid to the engine and
// matches exactly the strings ECMA 262 matches. A pattern ECMAScript refuses is no case.
TEST(RapidJsonPattern, WhatIsReadMatchesAsEcmaScriptMeansIt) {
  const std::string alphabet = "ab()|*+?{}0123,^$[].";
  std::mt19937 rng(7);
  std::vector<std::string> subjects = {""};
  for (int len = 1; len <= 5; ++len) {
    for (int bits = 0; bits < (1 << len); ++bits) {
      std::string s;
      for (int i = 0; i < len; ++i) s.push_back((bits >> i) & 1 ? 'b' : 'a');
      subjects.push_back(s);
    }
  }
  subjects.push_back("a.b");
  subjects.push_back("{2}");
  int compiled = 0, read = 0, compared = 0;
  for (int n = 0; n < 30000; ++n) {
    std::string p;
    size_t len = 1 + rng() % 8;
    for (size_t i = 0; i < len; ++i) p.push_back(alphabet[rng() % alphabet.size()]);
    if (EngineCompilesSafely(p)) {
      ++compiled;
      rapidjson::internal::Regex only_compiled(p.c_str());
    }
    std::optional<std::string> given = EnginePattern(p);
    if (!given) continue;
    ++read;
    rapidjson::internal::Regex re(given->c_str());
    ASSERT_TRUE(re.IsValid()) << p;
    std::regex ecma;
    // libstdc++ reads POSIX's [[.x.]] in its ECMAScript grammar too; ECMA 262 does not.
    bool is_ecma = p.find("[.") == std::string::npos;
    try {
      if (is_ecma) ecma = std::regex(p, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      is_ecma = false;
    }
    for (const std::string& s : subjects) {
      bool found = re.Search(s.c_str());
      if (!is_ecma) continue;
      ++compared;
      ASSERT_EQ(found, std::regex_search(s, ecma)) << p << " on '" << s << "'";
    }
  }
  EXPECT_GT(compiled, read);
  EXPECT_GT(read, 1000);
  EXPECT_GT(compared, 10000);
}

TEST(RapidJsonPattern, ReadPatternsMatchInTheEngine) {
  EXPECT_TRUE(EngineMatches("^\\d{3}-\\d{4}$", "555-1234"));
  EXPECT_FALSE(EngineMatches("^\\d{3}-\\d{4}$", "555-12345"));
  EXPECT_TRUE(EngineMatches("^a$|^b$", "b"));
  EXPECT_FALSE(EngineMatches("^a$|^b$", "ab"));
  EXPECT_TRUE(EngineMatches("^https?:\\/\\/", "https://x"));
}

}  // namespace
}  // namespace switchyard
