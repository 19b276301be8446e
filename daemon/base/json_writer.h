// A minimal JSON writer for provider request bodies. Parsing is simdjson's job; writing is
// string escaping and punctuation, so it is done here without a DOM and without copying
// the prompt more than once (into the output).
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace switchyard {

class JsonWriter {
 public:
  explicit JsonWriter(size_t reserve = 256) { out_.reserve(reserve); }

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view k);
  // A key written in the source, as almost every key is: a literal needs no escaping (a
  // debug build checks), so it goes out in one append of a length the compiler knows.
  template <size_t N>
  JsonWriter& Key(const char (&k)[N]) {
    static_assert(N > 1 && N <= 64, "a key literal of 1 to 63 bytes");
    assert(k[N - 1] == '\0' && NeedsNoEscape(std::string_view(k, N - 1)));
    char buf[N + 3];
    size_t at = 0;
    if (need_comma_) buf[at++] = ',';
    buf[at++] = '"';
    std::memcpy(buf + at, k, N - 1);
    at += N - 1;
    buf[at++] = '"';
    buf[at++] = ':';
    out_.append(buf, at);
    need_comma_ = false;
    return *this;
  }
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Double(double v);
  JsonWriter& Bool(bool v);
  // Writes `json` as it is: the caller vouches that it is valid JSON ("null", ...).
  JsonWriter& Raw(std::string_view json);

  std::string Take() { return std::move(out_); }

 private:
  void Separate();
  static bool NeedsNoEscape(std::string_view s);

  std::string out_;
  bool need_comma_ = false;
};

}  // namespace switchyard
