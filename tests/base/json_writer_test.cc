#include "base/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <string>

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

// Strings are scanned sixteen bytes at a time, and what is left (all of a short string) in
// one more step: every byte value, at every offset of strings of every length up to past
// two steps, and next to every other, must come out as a byte-at-a-time escaper writes it.
TEST(JsonWriter, EscapesEveryByteAtEveryOffsetLikeTheSimpleWay) {
  auto simple = [](std::string_view in) {
    std::string out = "\"";
    for (unsigned char c : in) {
      if (c == '"') {
        out += "\\\"";
      } else if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  };
  for (size_t size = 1; size <= 40; ++size) {
    for (int c = 0; c < 256; ++c) {
      for (size_t at = 0; at < size; ++at) {
        std::string in(size, 'a');
        in[at] = static_cast<char>(c);
        if (at + 1 < in.size()) in[at + 1] = static_cast<char>(255 - c);  // a neighbour too
        JsonWriter w;
        w.Key(in).String(in);
        ASSERT_EQ(w.Take(), simple(in) + ":" + simple(in))
            << "byte " << c << " at " << at << " of " << size;
      }
    }
  }
}

// A key literal goes out in one append of its own: the same bytes as a key given at run time,
// with and without the comma before it, of one byte and of the longest allowed.
TEST(JsonWriter, KeyLiteralsWriteWhatRunTimeKeysWrite) {
  const std::string longest(63, 'k');
  JsonWriter literal, runtime;
  literal.BeginObject().Key("a").Int(1).Key("model").String("m").Key(
      "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk");
  literal.BeginArray().BeginObject().Key("x").Bool(false).EndObject().EndArray().EndObject();
  runtime.BeginObject().Key(std::string_view("a")).Int(1).Key(std::string_view("model"));
  runtime.String("m").Key(std::string_view(longest)).BeginArray().BeginObject();
  runtime.Key(std::string_view("x")).Bool(false).EndObject().EndArray().EndObject();
  std::string json = literal.Take();
  EXPECT_EQ(json, runtime.Take());
  EXPECT_EQ(json, "{\"a\":1,\"model\":\"m\",\"" + longest + "\":[{\"x\":false}]}");
}

}  // namespace
}  // namespace switchyard
