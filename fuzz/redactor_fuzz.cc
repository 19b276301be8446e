// libFuzzer target: the redactor on any text and key. Whatever the pieces a text arrives in,
// the streamed redaction equals the whole one, and a key of letters and digits never
// survives it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/redactor.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  size_t key_len = 4 + data[0] % 40;
  if (size < 3 + key_len) return 0;
  // The key in the alphabet real keys use; the text as it is.
  static const char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
  std::string key;
  for (size_t i = 0; i < key_len; ++i) key += kAlphabet[data[3 + i] % 64];
  std::string_view text(reinterpret_cast<const char*>(data + 3 + key_len), size - 3 - key_len);
  Redactor r;
  r.Add(key);
  std::string whole = r.Redact(text);

  size_t a = text.empty() ? 0 : data[1] % (text.size() + 1);
  size_t b = text.empty() ? 0 : data[2] % (text.size() + 1);
  if (a > b) std::swap(a, b);
  Redactor::Stream s(&r);
  std::string streamed;
  s.Feed(text.substr(0, a), &streamed);
  s.Feed(text.substr(a, b - a), &streamed);
  s.Feed(text.substr(b), &streamed);
  s.Finish(&streamed);
  if (streamed != whole) __builtin_trap();

  if (key.size() >= 8 && std::string_view(Redactor::kMark).find(key) == std::string_view::npos &&
      whole.find(key) != std::string::npos) {
    __builtin_trap();
  }
  return 0;
}
