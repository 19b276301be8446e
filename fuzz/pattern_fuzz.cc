// libFuzzer target: a schema pattern (the input's first line) and a string it is matched
// against (the rest). The pattern is spelt for RE2 and compiled as the schema validator does
// (answer/rapidjson_re2.h), and matched without a stray read (ASan) or a runaway; where pattern
// and string are plain ASCII, RE2 must find what ECMA 262 finds (libstdc++'s ECMAScript
// grammar, run by its polynomial executor so a backtracking pattern cannot time it out).
#include <cstddef>
#include <cstdint>
#include <regex>
#include <string>
#include <string_view>

#include "answer/ecma_pattern.h"

using namespace switchyard;

namespace {

// No line terminators or other controls but tab, \v and \f, nothing past ASCII: std::regex
// reads bytes, not code points.
bool PlainAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 && c != '\t' && c != '\v' && c != '\f') return false;
    if (static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return 0;
  std::string pattern(in.substr(0, nl));
  std::string subject(in.substr(nl + 1));
  std::unique_ptr<RE2> re = CompileEcmaPattern(pattern);
  if (!re) return 0;
  bool found = RE2::PartialMatch(subject, *re);
  if (pattern.size() > 64 || subject.size() > 64 || !PlainAscii(pattern) || !PlainAscii(subject) ||
      pattern.find('\0') != std::string::npos) {
    return 0;
  }
  // libstdc++ reads POSIX's [[.x.]], [[:x:]] and [[=x=]] in its ECMAScript grammar too, where
  // ECMA 262 reads a '[' as itself, and \cX as X, not as control-X.
  for (const char* differs : {"[.", "[:", "[=", "\\c"}) {
    if (pattern.find(differs) != std::string::npos) return 0;
  }
  // libstdc++ overflows an int reading a long run of digits in braces (UBSan says so).
  size_t digits = 0;
  for (char c : pattern) {
    digits = c >= '0' && c <= '9' ? digits + 1 : 0;
    if (digits > 4) return 0;
  }
  std::regex ecma;
  try {
    ecma = std::regex(pattern, std::regex::ECMAScript | std::regex_constants::__polynomial);
  } catch (const std::regex_error&) {
    return 0;  // not ECMA 262: no meaning to keep
  }
  if (found != std::regex_search(subject, ecma)) __builtin_trap();
  return 0;
}
