#include "wire/tool_ids.h"

#include <cstdint>
#include <cstdio>

namespace switchyard {
namespace {

// FNV-1a: stable across runs and builds, which the mapping must be (a conversation's ids are
// sent again on every turn).
std::string Hash16(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

bool AnthropicSafe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

std::string AnthropicToolId(std::string_view id) {
  std::string out(id);
  bool changed = out.empty();
  for (char& c : out) {
    if (!AnthropicSafe(c)) {
      c = '_';
      changed = true;
    }
  }
  if (changed) out += "_" + Hash16(id);
  return out;
}

std::string OpenAIToolId(std::string_view id) {
  constexpr size_t kMax = 40;
  if (id.size() <= kMax && !id.empty()) return std::string(id);
  return std::string(id.substr(0, kMax - 17)) + "_" + Hash16(id);
}

}  // namespace switchyard
