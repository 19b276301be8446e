#include "protocol/map_fields.h"

#include <algorithm>

namespace switchyard {

bool MapReader::Seen(std::string_view key) const {
  auto end = seen_.begin() + static_cast<std::ptrdiff_t>(seen_count_);
  return std::find(seen_.begin(), end, key) != end ||
         std::find(seen_more_.begin(), seen_more_.end(), key) != seen_more_.end();
}

Status MapReader::NoUnknownKeys(const FieldPath& key_path) const {
  const msgpack::object& m = view_.map();
  for (uint32_t i = 0; i < m.via.map.size; ++i) {
    const msgpack::object& k = m.via.map.ptr[i].key;
    if (k.type != msgpack::type::STR) return WrongType(key_path, "a string", k);
    if (!Seen(AsView(k))) {
      return Status::InvalidArgument(Printable(AsView(k)) + ": unknown parameter");
    }
  }
  return Status::Ok();
}

Status MapReader::Read(const msgpack::object& o, const FieldPath& path, uint32_t* v) {
  int64_t n = 0;
  SY_RETURN_IF_ERROR(ReadInt(o, path, &n));
  if (n < 0 || n > UINT32_MAX) return Status::InvalidArgument(path + ": out of range");
  *v = static_cast<uint32_t>(n);
  return Status::Ok();
}

Status MapReader::Read(const msgpack::object& o, const FieldPath& path, Metadata* m) {
  SY_RETURN_IF_ERROR(RequireMap(&o, path));
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const msgpack::object_kv& kv = o.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) return WrongType(path + " key", "a string", kv.key);
    if (!IsValidUtf8(AsView(kv.key))) {
      return Status::InvalidArgument(path + " key '" + Printable(AsView(kv.key)) +
                                     "': not valid UTF-8");
    }
    std::string key(AsView(kv.key));
    std::string value;
    SY_RETURN_IF_ERROR(ReadScalarAsString(kv.val, FieldPath(path, key), &value));
    m->emplace_back(std::move(key), std::move(value));
  }
  return Status::Ok();
}

}  // namespace switchyard
