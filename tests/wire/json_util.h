// Reading JSON in tests: a value by JSON pointer as compact text, and equality that ignores
// key order and layout (recorded bodies keep the recorder's order; ours keep ours).
#pragma once

#include <simdjson.h>

#include <map>
#include <string>
#include <string_view>

namespace switchyard {

// The value at `pointer` ("/messages/0/role") of `json`, minified; "<missing>" or "<not json>".
inline std::string JsonAt(std::string_view json, std::string_view pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc, v;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) return "<not json>";
  if (doc.at_pointer(pointer).get(v) != simdjson::SUCCESS) return "<missing>";
  return simdjson::minify(v);
}

inline std::string Canonical(simdjson::dom::element e) {
  if (e.is_object()) {
    std::map<std::string, std::string> members;
    for (auto f : simdjson::dom::object(e)) members[std::string(f.key)] = Canonical(f.value);
    std::string out = "{";
    for (const auto& [k, v] : members) out += (out.size() > 1 ? "," : "") + ("\"" + k + "\":" + v);
    return out + "}";
  }
  if (e.is_array()) {
    std::string out = "[";
    for (simdjson::dom::element x : simdjson::dom::array(e)) {
      out += (out.size() > 1 ? "," : "") + Canonical(x);
    }
    return out + "]";
  }
  return simdjson::minify(e);
}

// `json` with every object's keys sorted: two bodies that say the same compare equal.
inline std::string CanonicalJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS) return "<not json>";
  return Canonical(doc);
}

}  // namespace switchyard
