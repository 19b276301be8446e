#include "base/json_writer.h"

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace switchyard {
namespace {

// Sixteen bytes at a time, as GCC's and Clang's vector extensions (SSE2 here, NEON on arm):
// prompts are long runs that need no escaping, and this finds their end at a fraction of
// a byte loop's instructions.
using Bytes16 = unsigned char __attribute__((vector_size(16)));
static_assert(std::endian::native == std::endian::little, "FirstToEscape reads bytes in order");

// The index of the first byte of `v` that needs escaping (a control byte < 0x20, '"' or
// '\\'); 16 if none.
unsigned FirstToEscape(Bytes16 v) {
  Bytes16 hit = (v < 0x20) | (v == '"') | (v == '\\');
  uint64_t halves[2];
  std::memcpy(halves, &hit, 16);
  // A hit is a byte of ones: the lowest set bit, over 8, is its index.
  if (halves[0] != 0) return static_cast<unsigned>(std::countr_zero(halves[0])) / 8;
  if (halves[1] != 0) return 8 + static_cast<unsigned>(std::countr_zero(halves[1])) / 8;
  return 16;
}

// Where in `s`, from `i`, the first byte that needs escaping is; s.size() if none.
size_t NextToEscape(std::string_view s, size_t i) {
  for (; i + 16 <= s.size(); i += 16) {
    Bytes16 v;
    std::memcpy(&v, s.data() + i, 16);
    if (unsigned at = FirstToEscape(v); at < 16) return i + at;
  }
  if (i == s.size()) return i;
  // The last few bytes (all of a key or a short value) in one more step, after a filler
  // that needs no escaping.
  Bytes16 v;
  std::memset(&v, 'a', 16);
  std::memcpy(&v, s.data() + i, s.size() - i);
  return std::min(s.size(), i + FirstToEscape(v));
}

}  // namespace

bool JsonWriter::NeedsNoEscape(std::string_view s) { return NextToEscape(s, 0) == s.size(); }

void JsonWriter::Separate() {
  if (need_comma_) out_.push_back(',');
}

JsonWriter& JsonWriter::BeginObject() {
  Separate();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  Separate();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view k) {
  String(k);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  Separate();
  size_t i = NextToEscape(s, 0);
  if (i == s.size()) {
    // The usual case, every run-time key among them: nothing to escape, so one append.
    size_t at = out_.size();
    out_.resize(at + s.size() + 2);
    char* p = out_.data() + at;
    p[0] = '"';
    std::memcpy(p + 1, s.data(), s.size());
    p[s.size() + 1] = '"';
    need_comma_ = true;
    return *this;
  }
  out_.reserve(out_.size() + s.size() + 2);
  out_.push_back('"');
  // Runs of bytes that need no escaping are copied in one append.
  size_t run = 0;
  for (; i < s.size(); i = NextToEscape(s, run)) {
    out_.append(s.data() + run, i - run);
    run = i + 1;
    auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\r':
        out_ += "\\r";
        break;
      case '\t':
        out_ += "\\t";
        break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out_ += buf;
      }
    }
  }
  out_.append(s.data() + run, s.size() - run);
  out_.push_back('"');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  Separate();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, static_cast<size_t>(r.ptr - buf));
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Double(double v) {
  Separate();
  if (!std::isfinite(v)) v = 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  out_ += buf;
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Bool(bool v) {
  Separate();
  out_ += v ? "true" : "false";
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  Separate();
  out_.append(json);
  need_comma_ = true;
  return *this;
}

}  // namespace switchyard
