// libFuzzer target: a schema pattern (the input's first line) and a string it is matched
// against (the rest). What EngineCompilesSafely passes must compile in RapidJSON's regex
// engine, and what EnginePattern gives it must compile and match, without a stray read (ASan)
// or a runaway; and where pattern and string are plain
// ASCII, the engine must find what ECMA 262 finds (libstdc++'s ECMAScript grammar, run by its
// polynomial executor so a backtracking pattern cannot time the target out).
#include <rapidjson/internal/regex.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "answer/rapidjson_pattern.h"
#include "base/utf8.h"

using namespace switchyard;

namespace {

// No line terminators: ECMA 262's `.` does not match them and the engine's does, which
// docs/design.md names as the one difference kept.
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
  std::string_view pattern = in.substr(0, nl);
  // The engine reads a C string: the subject stops at its first NUL, as a JSON string would
  // not, so the comparison takes the part before it.
  std::string subject(in.substr(nl + 1, 4096));
  subject = subject.substr(0, subject.find('\0'));
  // What the engine only compiles (data, and a schema's properties maps) must compile clean.
  if (EngineCompilesSafely(pattern)) {
    rapidjson::internal::Regex compiled(std::string(pattern).c_str());
  }
  // JsonSchema::Validate refuses a string that is not UTF-8 before the engine sees it.
  if (!IsValidUtf8(subject)) return 0;
  std::optional<std::string> given = EnginePattern(pattern);
  if (!given) return 0;
  rapidjson::internal::Regex re(given->c_str());
  if (!re.IsValid()) __builtin_trap();
  bool found = re.Search(subject.c_str());
  if (pattern.size() > 64 || subject.size() > 64 || !PlainAscii(pattern) || !PlainAscii(subject)) {
    return 0;
  }
  // libstdc++ reads POSIX's [[.x.]], [[:x:]] and [[=x=]] in its ECMAScript grammar too;
  // ECMA 262 (and the engine) read a '[' there as itself.
  for (const char* posix : {"[.", "[:", "[="}) {
    if (pattern.find(posix) != std::string_view::npos) return 0;
  }
  std::regex ecma;
  try {
    ecma = std::regex(std::string(pattern),
                      std::regex::ECMAScript | std::regex_constants::__polynomial);
  } catch (const std::regex_error&) {
    return 0;  // not ECMA 262: no meaning to keep
  }
  if (found != std::regex_search(subject, ecma)) __builtin_trap();
  return 0;
}
