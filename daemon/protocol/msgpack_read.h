// Reading msgpack objects the codec's way: a wrong shape is a Status whose message names the
// field ("messages[2].content: expected a string, got an integer"), and every string read
// must be valid UTF-8. Used by the protocol's own files only.
#pragma once

#include <msgpack.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace switchyard {

// Where a value sits in a message ("messages[2].content"). It is spelled out only for an
// error, so reading a well-formed message builds no path strings. A path refers to its
// parent and its text: both must outlive it (each lives on the reader's stack).
class FieldPath {
 public:
  FieldPath(std::string_view root) : text_(root) {}    // NOLINT: implicit from a name
  FieldPath(const char* root) : text_(root) {}         // NOLINT: implicit from a literal
  FieldPath(const std::string& root) : text_(root) {}  // NOLINT: implicit from a name
  FieldPath(const FieldPath& parent, std::string_view key) : parent_(&parent), text_(key) {}
  FieldPath(const FieldPath& parent, uint32_t index)
      : parent_(&parent), index_(static_cast<int64_t>(index)) {}

  std::string str() const;
  // `str()` followed by `text`, for the error it goes into.
  std::string operator+(std::string_view text) const { return str().append(text); }

 private:
  void AppendTo(std::string* out) const;

  const FieldPath* parent_ = nullptr;
  std::string_view text_;
  int64_t index_ = -1;
};

std::string_view AsView(const msgpack::object& o);
bool IsNil(const msgpack::object* o);
Status WrongType(const FieldPath& field, const char* expected, const msgpack::object& got);
Status RequireMap(const msgpack::object* o, const FieldPath& path);

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
Status ReadString(const msgpack::object& o, const FieldPath& path, std::string* out);
Status ReadInt(const msgpack::object& o, const FieldPath& path, int64_t* out);
Status ReadDouble(const msgpack::object& o, const FieldPath& path, double* out);
Status ReadBool(const msgpack::object& o, const FieldPath& path, bool* out);
// A string, number or boolean, as text (metadata values).
Status ReadScalarAsString(const msgpack::object& o, const FieldPath& path, std::string* out);

}  // namespace switchyard
