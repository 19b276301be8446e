// Every message of schema/protocol.md is a MessagePack map, and each lists its keys once, in
// a Fields(io, message) function of its own (protocol/message_fields.h). Three visitors walk
// those lists: KeyCounter counts the keys (msgpack writes a map's size before its keys),
// MapWriter packs them, MapReader reads them back with errors that name the field
// ("attempts[2].outcome: is required"). A key cannot be written without being read, or
// counted wrong by hand.
//
// What a field list may say:
//   io.Field(key, value[, Need::kRequired])  a key always written; required or not when read
//   io.Optional(key, value, present)         written only when `present`; read when there
//   io.WriteOnly(key, value)                 derived for readers' convenience, never read back
//   io.Keyed(key, items, &T::name)           a map from each item's name to the item's map
// Values: strings, int64, uint32, double, bool, optionals of those, string-to-scalar maps
// (metadata), and any struct with a Fields of its own, alone or in a vector (an array).
// Used by the protocol's own files only.
#pragma once

#include <array>
#include <concepts>
#include <msgpack.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/utf8.h"
#include "protocol/msgpack_read.h"

namespace switchyard {

using Packer = msgpack::packer<msgpack::sbuffer>;
using Metadata = std::vector<std::pair<std::string, std::string>>;

enum class Need { kOptional, kRequired };

// For field lists: `M` is message type `T`, as written (const) or read.
template <typename M, typename T>
concept Is = std::same_as<std::remove_const_t<M>, T>;

inline void PackStr(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

class KeyCounter {
 public:
  template <typename T>
  Status Field(std::string_view, const T&, Need = Need::kOptional) {
    ++keys;
    return Status::Ok();
  }
  template <typename T>
  Status Optional(std::string_view, const T&, bool present) {
    keys += present ? 1 : 0;
    return Status::Ok();
  }
  template <typename T>
  Status WriteOnly(std::string_view, const T&) {
    ++keys;
    return Status::Ok();
  }
  template <typename T>
  Status Keyed(std::string_view, const std::vector<T>&, std::string T::*) {
    ++keys;
    return Status::Ok();
  }
  uint32_t keys = 0;
};

template <typename S>
void PackMap(Packer& pk, const S& message);

class MapWriter {
 public:
  explicit MapWriter(Packer& pk) : pk_(pk) {}

  template <typename T>
  Status Field(std::string_view key, const T& value, Need = Need::kOptional) {
    PackStr(pk_, key);
    Pack(value);
    return Status::Ok();
  }
  template <typename T>
  Status Optional(std::string_view key, const T& value, bool present) {
    return present ? Field(key, value) : Status::Ok();
  }
  template <typename T>
  Status WriteOnly(std::string_view key, const T& value) {
    return Field(key, value);
  }
  template <typename T>
  Status Keyed(std::string_view key, const std::vector<T>& items, std::string T::*name) {
    PackStr(pk_, key);
    pk_.pack_map(static_cast<uint32_t>(items.size()));
    for (const T& item : items) {
      PackStr(pk_, item.*name);
      PackMap(pk_, item);
    }
    return Status::Ok();
  }

 private:
  void Pack(const std::string& v) { PackStr(pk_, v); }
  void Pack(int64_t v) { pk_.pack_int64(v); }
  void Pack(uint32_t v) { pk_.pack_uint32(v); }
  void Pack(double v) { pk_.pack_double(v); }
  void Pack(bool v) {
    if (v) {
      pk_.pack_true();
    } else {
      pk_.pack_false();
    }
  }
  template <typename T>
  void Pack(const std::optional<T>& v) {
    Pack(*v);
  }
  void Pack(const Metadata& m) {
    pk_.pack_map(static_cast<uint32_t>(m.size()));
    for (const auto& [k, v] : m) {
      PackStr(pk_, k);
      PackStr(pk_, v);
    }
  }
  template <typename S>
  void Pack(const std::vector<S>& items) {
    pk_.pack_array(static_cast<uint32_t>(items.size()));
    for (const S& item : items) Pack(item);
  }
  template <typename S>
  void Pack(const S& message) {
    PackMap(pk_, message);
  }

  Packer& pk_;
};

// Packs `message` as a map of the keys its Fields lists.
template <typename S>
void PackMap(Packer& pk, const S& message) {
  KeyCounter count;
  (void)Fields(count, message);
  pk.pack_map(count.keys);
  MapWriter writer(pk);
  (void)Fields(writer, message);
}

class MapReader {
 public:
  // `map` must be a map; `path` names it in errors ("" at the top of a message) and must
  // outlive the reader.
  MapReader(const msgpack::object& map, const FieldPath& path) : view_(map), path_(path) {}
  MapReader(const msgpack::object& map, FieldPath&& path) = delete;

  template <typename T>
  Status Field(std::string_view key, T& value, Need need = Need::kOptional) {
    Saw(key);
    const msgpack::object* o = view_.Find(key);
    FieldPath path(path_, key);
    if (IsNil(o)) {
      return need == Need::kRequired ? Status::InvalidArgument(path + ": is required")
                                     : Status::Ok();
    }
    return Read(*o, path, &value);
  }
  template <typename T>
  Status Optional(std::string_view key, T& value, bool /*present: the writer's*/) {
    return Field(key, value);
  }
  template <typename T>
  Status WriteOnly(std::string_view key, const T&) {
    Saw(key);
    return Status::Ok();
  }
  template <typename T>
  Status Keyed(std::string_view key, std::vector<T>& items, std::string T::*name) {
    Saw(key);
    const msgpack::object* o = view_.Find(key);
    if (IsNil(o)) return Status::Ok();
    FieldPath path(path_, key);
    SY_RETURN_IF_ERROR(RequireMap(o, path));
    for (uint32_t i = 0; i < o->via.map.size; ++i) {
      const msgpack::object_kv& kv = o->via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR) return WrongType(path + " key", "a string", kv.key);
      T item;
      item.*name = AsView(kv.key);
      FieldPath item_path(path, item.*name);
      SY_RETURN_IF_ERROR(RequireMap(&kv.val, item_path));
      MapReader sub(kv.val, item_path);
      SY_RETURN_IF_ERROR(Fields(sub, item));
      items.push_back(std::move(item));
    }
    return Status::Ok();
  }

  // After Fields: a key that no field read is an error (`key_path` names the map's keys in
  // the error about one that is not a string).
  Status NoUnknownKeys(const FieldPath& key_path) const;

 private:
  static Status Read(const msgpack::object& o, const FieldPath& path, std::string* v) {
    return ReadString(o, path, v);
  }
  static Status Read(const msgpack::object& o, const FieldPath& path, int64_t* v) {
    return ReadInt(o, path, v);
  }
  static Status Read(const msgpack::object& o, const FieldPath& path, uint32_t* v);
  static Status Read(const msgpack::object& o, const FieldPath& path, double* v) {
    return ReadDouble(o, path, v);
  }
  static Status Read(const msgpack::object& o, const FieldPath& path, bool* v) {
    return ReadBool(o, path, v);
  }
  template <typename T>
  static Status Read(const msgpack::object& o, const FieldPath& path, std::optional<T>* v) {
    T value{};
    SY_RETURN_IF_ERROR(Read(o, path, &value));
    *v = value;
    return Status::Ok();
  }
  static Status Read(const msgpack::object& o, const FieldPath& path, Metadata* m);
  template <typename S>
  static Status Read(const msgpack::object& o, const FieldPath& path, std::vector<S>* items) {
    if (o.type != msgpack::type::ARRAY) return WrongType(path, "an array", o);
    items->reserve(o.via.array.size);
    for (uint32_t i = 0; i < o.via.array.size; ++i) {
      S item;
      SY_RETURN_IF_ERROR(Read(o.via.array.ptr[i], FieldPath(path, i), &item));
      items->push_back(std::move(item));
    }
    return Status::Ok();
  }
  template <typename S>
  static Status Read(const msgpack::object& o, const FieldPath& path, S* message) {
    SY_RETURN_IF_ERROR(RequireMap(&o, path));
    MapReader sub(o, path);
    return Fields(sub, *message);
  }

  // Kept inline: a field list is short, and reading a message should not allocate for it.
  void Saw(std::string_view key) {
    if (seen_count_ < seen_.size()) {
      seen_[seen_count_++] = key;
    } else {
      seen_more_.push_back(key);
    }
  }
  bool Seen(std::string_view key) const;

  MapView view_;
  const FieldPath& path_;
  // Keys the field list asked for.
  std::array<std::string_view, 24> seen_;
  size_t seen_count_ = 0;
  std::vector<std::string_view> seen_more_;
};

// Reads `message` from `o`, which must be a map; `path` names it in errors.
template <typename S>
Status ReadMap(const msgpack::object& o, const FieldPath& path, S* message) {
  SY_RETURN_IF_ERROR(RequireMap(&o, path));
  const FieldPath top("");
  MapReader reader(o, top);
  return Fields(reader, *message);
}

}  // namespace switchyard
