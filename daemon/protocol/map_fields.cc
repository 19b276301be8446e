#include "protocol/map_fields.h"

#include <algorithm>

namespace switchyard {

Status MapReader::NoUnknownKeys(const std::string& key_path) const {
  const msgpack::object& m = view_.map();
  for (uint32_t i = 0; i < m.via.map.size; ++i) {
    const msgpack::object& k = m.via.map.ptr[i].key;
    if (k.type != msgpack::type::STR) return WrongType(key_path, "a string", k);
    if (std::find(seen_.begin(), seen_.end(), AsView(k)) == seen_.end()) {
      return Status::InvalidArgument(Printable(AsView(k)) + ": unknown parameter");
    }
  }
  return Status::Ok();
}

Status MapReader::Read(const msgpack::object& o, const std::string& path, uint32_t* v) {
  int64_t n = 0;
  SY_RETURN_IF_ERROR(ReadInt(o, path, &n));
  if (n < 0 || n > UINT32_MAX) return Status::InvalidArgument(path + ": out of range");
  *v = static_cast<uint32_t>(n);
  return Status::Ok();
}

Status MapReader::Read(const msgpack::object& o, const std::string& path, Metadata* m) {
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
    SY_RETURN_IF_ERROR(ReadScalarAsString(kv.val, path + "." + key, &value));
    m->emplace_back(std::move(key), std::move(value));
  }
  return Status::Ok();
}

}  // namespace switchyard
