#include "protocol/map_fields.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace switchyard {
namespace {

// More fields than the reader keeps inline, to read through its overflow.
struct Wide {
  std::array<int64_t, 30> v{};
};
const std::array<std::string, 30>& WideKeys() {
  static const std::array<std::string, 30> keys = [] {
    std::array<std::string, 30> k;
    for (size_t i = 0; i < k.size(); ++i) k[i] = "field_" + std::to_string(i);
    return k;
  }();
  return keys;
}
template <typename Io, typename M>
requires Is<M, Wide> Status Fields(Io& io, M& w) {
  for (size_t i = 0; i < w.v.size(); ++i) SY_RETURN_IF_ERROR(io.Field(WideKeys()[i], w.v[i]));
  return Status::Ok();
}

struct Leaf {
  std::string text;
};
template <typename Io, typename M>
requires Is<M, Leaf> Status Fields(Io& io, M& l) {
  return io.Field("text", l.text, Need::kRequired);
}
struct Tree {
  std::vector<Leaf> leaves;
};
template <typename Io, typename M>
requires Is<M, Tree> Status Fields(Io& io, M& t) { return io.Field("leaves", t.leaves); }

template <typename Fn>
msgpack::object_handle Packed(Fn fn) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  fn(pk);
  return msgpack::unpack(buf.data(), buf.size());
}

Status ReadStrict(const msgpack::object& o, Wide* w) {
  const FieldPath top("");
  MapReader reader(o, top);
  SY_RETURN_IF_ERROR(Fields(reader, *w));
  return reader.NoUnknownKeys("params[0] key");
}

TEST(MapFields, EveryFieldOfALongListIsKnownAndAStrayKeyIsNot) {
  Wide in;
  for (size_t i = 0; i < in.v.size(); ++i) in.v[i] = static_cast<int64_t>(i * 7);
  auto oh = Packed([&](Packer& pk) { PackMap(pk, in); });
  Wide out;
  ASSERT_TRUE(ReadStrict(oh.get(), &out).ok());
  EXPECT_EQ(out.v, in.v);

  auto stray = Packed([&](Packer& pk) {
    pk.pack_map(31);
    for (size_t i = 0; i < in.v.size(); ++i) {
      PackStr(pk, WideKeys()[i]);
      pk.pack_int64(in.v[i]);
    }
    PackStr(pk, "field_30");
    pk.pack_int64(1);
  });
  Status s = ReadStrict(stray.get(), &out);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "field_30: unknown parameter");
}

TEST(MapFields, AnErrorNamesTheFieldsWholePath) {
  auto wrong = Packed([](Packer& pk) {
    pk.pack_map(1);
    PackStr(pk, "leaves");
    pk.pack_array(3);
    for (int i = 0; i < 2; ++i) {
      pk.pack_map(1);
      PackStr(pk, "text");
      PackStr(pk, "fine");
    }
    pk.pack_map(1);
    PackStr(pk, "text");
    pk.pack_int64(5);
  });
  Tree t;
  Status s = ReadMap(wrong.get(), "result", &t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "leaves[2].text: expected a string, got an integer");

  auto missing = Packed([](Packer& pk) {
    pk.pack_map(1);
    PackStr(pk, "leaves");
    pk.pack_array(1);
    pk.pack_map(0);
  });
  s = ReadMap(missing.get(), "result", &t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "leaves[0].text: is required");
}

}  // namespace
}  // namespace switchyard
