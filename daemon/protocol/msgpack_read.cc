#include "protocol/msgpack_read.h"

#include "base/utf8.h"

namespace switchyard {
namespace {

const char* TypeName(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL:
      return "nil";
    case msgpack::type::BOOLEAN:
      return "a boolean";
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER:
      return "an integer";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return "a float";
    case msgpack::type::STR:
      return "a string";
    case msgpack::type::BIN:
      return "binary";
    case msgpack::type::ARRAY:
      return "an array";
    case msgpack::type::MAP:
      return "a map";
    case msgpack::type::EXT:
      return "an extension";
  }
  return "unknown";
}

}  // namespace

void FieldPath::AppendTo(std::string* out) const {
  if (parent_) parent_->AppendTo(out);
  if (index_ >= 0) {
    out->append("[").append(std::to_string(index_)).append("]");
    return;
  }
  if (!out->empty() && !text_.empty()) out->push_back('.');
  out->append(text_);
}

std::string FieldPath::str() const {
  std::string out;
  AppendTo(&out);
  return out;
}

std::string_view AsView(const msgpack::object& o) { return {o.via.str.ptr, o.via.str.size}; }

bool IsNil(const msgpack::object* o) { return !o || o->type == msgpack::type::NIL; }

Status WrongType(const FieldPath& field, const char* expected, const msgpack::object& got) {
  return Status::InvalidArgument(field + ": expected " + expected + ", got " + TypeName(got));
}

Status RequireMap(const msgpack::object* o, const FieldPath& path) {
  if (!o) return Status::InvalidArgument(path + ": is required");
  if (o->type != msgpack::type::MAP) return WrongType(path, "a map", *o);
  return Status::Ok();
}

const msgpack::object* MapView::Find(std::string_view key) const {
  for (uint32_t i = 0; i < m_.via.map.size; ++i) {
    const msgpack::object_kv& kv = m_.via.map.ptr[i];
    if (kv.key.type == msgpack::type::STR && AsView(kv.key) == key) return &kv.val;
  }
  return nullptr;
}

Status ReadString(const msgpack::object& o, const FieldPath& path, std::string* out) {
  if (o.type == msgpack::type::NIL) return Status::Ok();
  if (o.type != msgpack::type::STR) return WrongType(path, "a string", o);
  if (!IsValidUtf8(AsView(o))) return Status::InvalidArgument(path + ": not valid UTF-8");
  out->assign(o.via.str.ptr, o.via.str.size);
  return Status::Ok();
}

Status ReadInt(const msgpack::object& o, const FieldPath& path, int64_t* out) {
  if (o.type == msgpack::type::NIL) return Status::Ok();
  if (o.type == msgpack::type::POSITIVE_INTEGER) {
    if (o.via.u64 > static_cast<uint64_t>(INT64_MAX)) {
      return Status::InvalidArgument(path + ": too large");
    }
    *out = static_cast<int64_t>(o.via.u64);
  } else if (o.type == msgpack::type::NEGATIVE_INTEGER) {
    *out = o.via.i64;
  } else {
    return WrongType(path, "an integer", o);
  }
  return Status::Ok();
}

Status ReadDouble(const msgpack::object& o, const FieldPath& path, double* out) {
  switch (o.type) {
    case msgpack::type::NIL:
      return Status::Ok();
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      *out = o.via.f64;
      return Status::Ok();
    case msgpack::type::POSITIVE_INTEGER:
      *out = static_cast<double>(o.via.u64);
      return Status::Ok();
    case msgpack::type::NEGATIVE_INTEGER:
      *out = static_cast<double>(o.via.i64);
      return Status::Ok();
    default:
      return WrongType(path, "a number", o);
  }
}

Status ReadBool(const msgpack::object& o, const FieldPath& path, bool* out) {
  if (o.type == msgpack::type::NIL) return Status::Ok();
  if (o.type != msgpack::type::BOOLEAN) return WrongType(path, "a boolean", o);
  *out = o.via.boolean;
  return Status::Ok();
}

Status ReadScalarAsString(const msgpack::object& o, const FieldPath& path, std::string* out) {
  switch (o.type) {
    case msgpack::type::STR:
      return ReadString(o, path, out);
    case msgpack::type::BOOLEAN:
      *out = o.via.boolean ? "true" : "false";
      return Status::Ok();
    case msgpack::type::POSITIVE_INTEGER:
      *out = std::to_string(o.via.u64);
      return Status::Ok();
    case msgpack::type::NEGATIVE_INTEGER:
      *out = std::to_string(o.via.i64);
      return Status::Ok();
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      *out = std::to_string(o.via.f64);
      return Status::Ok();
    default:
      return WrongType(path, "a string, number or boolean", o);
  }
}

}  // namespace switchyard
