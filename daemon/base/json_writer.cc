#include "base/json_writer.h"

#include <simdjson.h>

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

// Where in `s`, from `i`, the first byte that needs escaping is (a control byte < 0x20, '"'
// or '\\'); s.size() if none.
size_t NextToEscape(std::string_view s, size_t i) {
  for (; i + 16 <= s.size(); i += 16) {
    Bytes16 v;
    std::memcpy(&v, s.data() + i, 16);
    Bytes16 hit = (v < 0x20) | (v == '"') | (v == '\\');
    uint64_t halves[2];
    std::memcpy(halves, &hit, 16);
    if ((halves[0] | halves[1]) != 0) break;
  }
  for (; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == '"' || c == '\\') return i;
  }
  return s.size();
}

}  // namespace

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
  out_.reserve(out_.size() + s.size() + 2);
  out_.push_back('"');
  // Runs of bytes that need no escaping are copied in one append.
  size_t run = 0;
  for (size_t i; (i = NextToEscape(s, run)) < s.size();) {
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
  out_ += std::to_string(v);
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
