// Reading msgpack objects the codec's way: a wrong shape is a Status whose message names the
// field ("messages[2].content: expected a string, got an integer"), and every string read
// must be valid UTF-8. Used by the protocol's own files only.
#pragma once

#include <msgpack.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace switchyard {

std::string_view AsView(const msgpack::object& o);
bool IsNil(const msgpack::object* o);
Status WrongType(const std::string& field, const char* expected, const msgpack::object& got);
Status RequireMap(const msgpack::object* o, const std::string& path);

// Read-only lookup of string keys in a msgpack map.
class MapView {
 public:
  explicit MapView(const msgpack::object& m) : m_(m) {}
  const msgpack::object* Find(std::string_view key) const;
  const msgpack::object& map() const { return m_; }

 private:
  const msgpack::object& m_;
};

// Each reads `o` into `out` (nil leaves `out` as it is); `path` names it in errors.
Status ReadString(const msgpack::object& o, const std::string& path, std::string* out);
Status ReadInt(const msgpack::object& o, const std::string& path, int64_t* out);
Status ReadDouble(const msgpack::object& o, const std::string& path, double* out);
Status ReadBool(const msgpack::object& o, const std::string& path, bool* out);
// A string, number or boolean, as text (metadata values).
Status ReadScalarAsString(const msgpack::object& o, const std::string& path, std::string* out);

}  // namespace switchyard
