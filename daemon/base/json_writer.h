// A minimal JSON writer for provider request bodies. Parsing is simdjson's job; writing is
// string escaping and punctuation, so it is done here without a DOM and without copying
// the prompt more than once (into the output).
#pragma once

#include <cstdint>
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
  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Double(double v);
  JsonWriter& Bool(bool v);
  // Writes `json` as it is: the caller vouches that it is valid JSON ("null", ...).
  JsonWriter& Raw(std::string_view json);

  std::string Take() { return std::move(out_); }

 private:
  void Separate();

  std::string out_;
  bool need_comma_ = false;
};

}  // namespace switchyard
