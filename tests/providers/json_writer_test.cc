#include "providers/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace switchyard {
namespace {

TEST(JsonWriter, EscapesWhatJsonRequires) {
  std::string tricky = "quote\" backslash\\ nl\n tab\t ctl\x01 unicode \xe2\x9c\x93";
  JsonWriter w;
  w.BeginObject().Key("s").String(tricky).Key("n").Int(-5).Key("d").Double(0.25).Key("b").Bool(
      true);
  w.Key("a").BeginArray().Int(1).Int(2).EndArray().Key("z").Raw("null").EndObject();
  std::string json = w.Take();
  EXPECT_EQ(json,
            "{\"s\":\"quote\\\" backslash\\\\ nl\\n tab\\t ctl\\u0001 unicode \xe2\x9c\x93\","
            "\"n\":-5,\"d\":0.25,\"b\":true,\"a\":[1,2],\"z\":null}");
  simdjson::dom::parser p;
  simdjson::dom::element doc = p.parse(json);
  EXPECT_EQ(std::string_view(doc["s"]), tricky);
}

TEST(JsonWriter, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain \xe2\x9c\x93"));
  EXPECT_FALSE(IsValidUtf8("broken \xe2\x9c"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
}

}  // namespace
}  // namespace switchyard
