#include "answer/json_schema.h"

// First: it stands in for the regex header RapidJSON's schema would include.
// clang-format off
#include "answer/rapidjson_re2.h"
// clang-format on
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "answer/ecma_pattern.h"

#if defined(__clang__)
// RapidJSON 1.1's member iterators predate C++20's reversed comparison operators: clang
// warns at every comparison of them, range-for loops included.
#pragma clang diagnostic ignored "-Wambiguous-reversed-operator"
#endif

namespace switchyard {
namespace {

using Alloc = rapidjson::Document::AllocatorType;

// What a keyword's value holds, where draft 4 (and "$defs") puts schemas. The one list both
// the shape check and the rewrites follow.
enum class Holds {
  kNoSchema,
  kSchemaMap,     // properties, patternProperties, definitions, $defs
  kSchemaList,    // allOf, anyOf, oneOf
  kSchema,        // not
  kSchemaOrList,  // items
  kSchemaOrBool,  // additionalItems, additionalProperties
  kDependencies,  // a schema or a list of names for each property
};

Holds WhatItHolds(std::string_view k) {
  if (k == "properties" || k == "patternProperties" || k == "definitions" || k == "$defs") {
    return Holds::kSchemaMap;
  }
  if (k == "allOf" || k == "anyOf" || k == "oneOf") return Holds::kSchemaList;
  if (k == "not") return Holds::kSchema;
  if (k == "items") return Holds::kSchemaOrList;
  if (k == "additionalItems" || k == "additionalProperties") return Holds::kSchemaOrBool;
  if (k == "dependencies") return Holds::kDependencies;
  return Holds::kNoSchema;
}

std::string_view Name(const rapidjson::Value& name) {
  return std::string_view(name.GetString(), name.GetStringLength());
}

void SetString(rapidjson::Value& s, const std::string& text, Alloc& alloc) {
  s.SetString(text.data(), static_cast<rapidjson::SizeType>(text.size()), alloc);
}

// Calls `fn` on every schema in `v`, the innermost first: `v` and what its keywords hold as
// schemas. Never on data that only looks like one (an "enum" value, a "default", a property
// named "const"), which the rewrites below must leave as it is.
template <typename Fn>
void EachSchema(rapidjson::Value& v, const Fn& fn) {
  if (!v.IsObject()) return;
  for (auto& m : v.GetObject()) {
    rapidjson::Value& x = m.value;
    switch (WhatItHolds(Name(m.name))) {
      case Holds::kNoSchema:
        break;
      case Holds::kSchemaMap:
      case Holds::kDependencies:  // its lists of names are no objects: passed over
        if (x.IsObject()) {
          for (auto& sub : x.GetObject()) EachSchema(sub.value, fn);
        }
        break;
      case Holds::kSchemaList:
      case Holds::kSchemaOrList:
        if (x.IsArray()) {
          for (rapidjson::Value& sub : x.GetArray()) EachSchema(sub, fn);
          break;
        }
        EachSchema(x, fn);
        break;
      case Holds::kSchema:
      case Holds::kSchemaOrBool:
        EachSchema(x, fn);
        break;
    }
  }
  fn(v);
}

// A rewrite below marks the schema it changed with the keyword the client wrote, under the
// one it compiled to ("x-switchyard-enum": "const"), so that a value failing the compiled
// one is reported against the written one. RapidJSON passes over keywords it does not know.
constexpr std::string_view kWrittenMark = "x-switchyard-";

void MarkWritten(rapidjson::Value& schema, std::string_view compiled, const char* written,
                 Alloc& alloc) {
  rapidjson::Value mark;
  SetString(mark, std::string(kWrittenMark) + std::string(compiled), alloc);
  schema.AddMember(mark, rapidjson::StringRef(written), alloc);
}

// The keyword a value that failed `schema`'s `keyword` is reported against.
std::string WrittenAs(const rapidjson::Value* schema, std::string keyword) {
  if (!schema || !schema->IsObject()) return keyword;
  auto mark = schema->FindMember((std::string(kWrittenMark) + keyword).c_str());
  return mark != schema->MemberEnd() && mark->value.IsString() ? mark->value.GetString() : keyword;
}

// Draft 6's "const" as draft 4 says it: a one-value "enum" (when the schema has no enum of
// its own; with one, the two together are the intersection, which the enum already bounds
// only when it holds the const, so the const is kept as a one-value allOf instead).
void ConstAsEnum(rapidjson::Value& v, Alloc& alloc) {
  auto c = v.FindMember("const");
  if (c == v.MemberEnd()) return;
  rapidjson::Value one(rapidjson::kArrayType);
  one.PushBack(rapidjson::Value(c->value, alloc), alloc);
  v.RemoveMember("const");
  if (!v.HasMember("enum")) {
    v.AddMember("enum", one, alloc);
    MarkWritten(v, "enum", "const", alloc);
    return;
  }
  rapidjson::Value clause(rapidjson::kObjectType);
  clause.AddMember("enum", one, alloc);
  MarkWritten(clause, "enum", "const", alloc);
  auto all = v.FindMember("allOf");
  if (all != v.MemberEnd() && all->value.IsArray()) {
    all->value.PushBack(clause, alloc);
  } else {
    rapidjson::Value list(rapidjson::kArrayType);
    list.PushBack(clause, alloc);
    v.AddMember("allOf", list, alloc);
    MarkWritten(v, "allOf", "const", alloc);
  }
}

// RapidJSON 1.1 resolves "$ref": "#/definitions/x" but not "#/$defs/x" (draft 2019's name,
// which OpenAI's strict mode documents): "$defs" is renamed, and the references with it.
void DefsAsDefinitions(rapidjson::Value& v, Alloc& alloc) {
  auto ref = v.FindMember("$ref");
  if (ref != v.MemberEnd() && ref->value.IsString()) {
    std::string r(ref->value.GetString(), ref->value.GetStringLength());
    for (size_t at = r.find("/$defs/"); at != std::string::npos; at = r.find("/$defs/")) {
      r.replace(at, 7, "/definitions/");
    }
    SetString(ref->value, r, alloc);
  }
  auto defs = v.FindMember("$defs");
  if (defs != v.MemberEnd() && !v.HasMember("definitions")) defs->name.SetString("definitions");
}

// RapidJSON 1.1 fails an assertion (a crash in a release build) when a key matches a
// patternProperties pattern of an object whose additionalProperties is false. A schema that
// no value satisfies says the same thing by the other road it takes, which is sound.
void AdditionalFalseAsSchema(rapidjson::Value& v, Alloc& alloc) {
  auto extra = v.FindMember("additionalProperties");
  if (extra == v.MemberEnd() || !extra->value.IsFalse() || !v.HasMember("patternProperties")) {
    return;
  }
  rapidjson::Value nothing(rapidjson::kObjectType);
  nothing.AddMember("not", rapidjson::Value(rapidjson::kObjectType), alloc);
  MarkWritten(nothing, "not", "additionalProperties", alloc);
  extra->value = nothing;
}

// A pattern with a NUL in it, spelled with "\u0000" in its place: RapidJSON compiles a
// pattern from its C string, which would end at the NUL. An escaped NUL is the same NUL.
std::string NulsEscaped(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 8);
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      if (pattern[++i] == '\0') {
        out += "\\u0000";
      } else {
        out += c;
        out += pattern[i];
      }
    } else if (c == '\0') {
      out += "\\u0000";
    } else {
      out += c;
    }
  }
  return out;
}

bool HasNul(const rapidjson::Value& s) { return Name(s).find('\0') != std::string::npos; }

void PatternNulsEscaped(rapidjson::Value& v, Alloc& alloc) {
  auto pattern = v.FindMember("pattern");
  if (pattern != v.MemberEnd() && pattern->value.IsString() && HasNul(pattern->value)) {
    SetString(pattern->value, NulsEscaped(Name(pattern->value)), alloc);
  }
  auto props = v.FindMember("patternProperties");
  if (props == v.MemberEnd() || !props->value.IsObject()) return;
  for (auto& m : props->value.GetObject()) {
    if (HasNul(m.name)) SetString(m.name, NulsEscaped(Name(m.name)), alloc);
  }
}

// A patternProperties key that cannot be matched (not ECMA 262, or beyond what RE2 takes)
// leaves the object unable to tell which keys are additional: its additionalProperties goes,
// a check lost rather than an answer failed for a key the schema allows.
void AdditionalUnknowable(rapidjson::Value& v) {
  auto props = v.FindMember("patternProperties");
  if (props == v.MemberEnd() || !props->value.IsObject()) return;
  for (const auto& m : props->value.GetObject()) {
    if (!CompileEcmaPattern(Name(m.name))) {
      v.EraseMember("additionalProperties");
      return;
    }
  }
}

// The local "$ref"s in `v`, anywhere: RapidJSON follows one wherever it is.
void LocalRefs(const rapidjson::Value& v, std::vector<std::string>* refs) {
  if (v.IsArray()) {
    for (const rapidjson::Value& item : v.GetArray()) LocalRefs(item, refs);
    return;
  }
  if (!v.IsObject()) return;
  for (const auto& m : v.GetObject()) LocalRefs(m.value, refs);
  auto ref = v.FindMember("$ref");
  if (ref != v.MemberEnd() && ref->value.IsString() && ref->value.GetString()[0] == '#') {
    refs->emplace_back(ref->value.GetString(), ref->value.GetStringLength());
  }
}

// Where a local "$ref" points, when it resolves to an object.
rapidjson::Value* RefTarget(rapidjson::Document& doc, const std::string& ref) {
  rapidjson::Pointer pointer(ref.data(), ref.size());
  rapidjson::Value* target = pointer.IsValid() ? pointer.Get(doc) : nullptr;
  return target && target->IsObject() ? target : nullptr;
}

// How deep `json` nests arrays and objects, read as text (strings skipped). RapidJSON builds
// schemas, and this file rewrites them, by recursion: a schema nested a million deep would
// take the stack. Checked before anything recurses.
size_t Depth(std::string_view json) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// Where a schema holds schemas, they must be schemas: RapidJSON 1.1 follows a null where a
// "patternProperties" value, say, is a string, and crashes on the first key that matches.
// So a schema's shape is checked, draft 4's rules for each keyword that holds subschemas,
// before it is compiled; the error names the place.
Status Shape(const rapidjson::Value& v, const std::string& at);

Status NotA(const std::string& at, const char* what) {
  return Status::InvalidArgument("the schema is not valid at " + (at.empty() ? "/" : at) +
                                 ": expected " + what);
}

Status SchemaMap(const rapidjson::Value& v, const std::string& at) {
  if (!v.IsObject()) return NotA(at, "an object of schemas");
  for (const auto& m : v.GetObject()) {
    SY_RETURN_IF_ERROR(Shape(m.value, at + "/" + m.name.GetString()));
  }
  return Status::Ok();
}

Status SchemaList(const rapidjson::Value& v, const std::string& at) {
  if (!v.IsArray() || v.Empty()) return NotA(at, "a non-empty array of schemas");
  for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
    SY_RETURN_IF_ERROR(Shape(v[i], at + "/" + std::to_string(i)));
  }
  return Status::Ok();
}

Status StringList(const rapidjson::Value& v, const std::string& at) {
  if (!v.IsArray()) return NotA(at, "an array of strings");
  for (const rapidjson::Value& x : v.GetArray()) {
    if (!x.IsString()) return NotA(at, "an array of strings");
  }
  return Status::Ok();
}

Status Shape(const rapidjson::Value& v, const std::string& at) {
  if (!v.IsObject()) return NotA(at, "a schema (an object)");
  for (const auto& m : v.GetObject()) {
    std::string_view k = Name(m.name);
    const rapidjson::Value& x = m.value;
    std::string here = at + "/" + std::string(k);
    switch (WhatItHolds(k)) {
      case Holds::kSchemaMap:
        SY_RETURN_IF_ERROR(SchemaMap(x, here));
        break;
      case Holds::kSchemaList:
        SY_RETURN_IF_ERROR(SchemaList(x, here));
        break;
      case Holds::kSchema:
        SY_RETURN_IF_ERROR(Shape(x, here));
        break;
      case Holds::kSchemaOrList:
        SY_RETURN_IF_ERROR(x.IsArray() ? SchemaList(x, here) : Shape(x, here));
        break;
      case Holds::kSchemaOrBool:
        if (!x.IsBool()) SY_RETURN_IF_ERROR(Shape(x, here));
        break;
      case Holds::kDependencies:
        if (!x.IsObject()) return NotA(here, "an object");
        for (const auto& d : x.GetObject()) {
          std::string dep = here + "/" + d.name.GetString();
          SY_RETURN_IF_ERROR(d.value.IsArray() ? StringList(d.value, dep) : Shape(d.value, dep));
        }
        break;
      case Holds::kNoSchema:
        if (k == "required") {
          SY_RETURN_IF_ERROR(StringList(x, here));
        } else if (k == "type") {
          if (!x.IsString()) SY_RETURN_IF_ERROR(StringList(x, here));
        } else if (k == "enum") {
          if (!x.IsArray() || x.Empty()) return NotA(here, "a non-empty array");
        } else if (k == "$ref" || k == "pattern") {
          if (!x.IsString()) return NotA(here, "a string");
        }
        break;
    }
  }
  return Status::Ok();
}

// Where a local "$ref" points, RapidJSON validates with what it finds, wherever that is: a
// target out of a schema's place must pass Shape and be made draft 4 too, once however many
// point at it. (The rewrites are idempotent: a target in a schema's place, already made
// draft 4, is left as it is. Remote references RapidJSON does not follow.)
template <typename Fn>
Status RefTargetsAsSchemas(rapidjson::Document& doc, const Fn& draft4) {
  std::vector<std::string> refs;
  LocalRefs(doc, &refs);
  std::set<std::string> done;
  for (const std::string& ref : refs) {
    if (!done.insert(ref).second) continue;
    rapidjson::Value* target = RefTarget(doc, ref);
    if (!target) continue;
    SY_RETURN_IF_ERROR(Shape(*target, ref.substr(1)));
    EachSchema(*target, draft4);
  }
  return Status::Ok();
}

// The validator, with each string and key named as the patterns' subject while it is
// checked (answer/rapidjson_re2.h), so that a pattern sees the whole string, NULs and all.
class SubjectNamingValidator {
 public:
  explicit SubjectNamingValidator(rapidjson::SchemaValidator& v) : v_(v) {}
  bool Null() { return v_.Null(); }
  bool Bool(bool b) { return v_.Bool(b); }
  bool Int(int i) { return v_.Int(i); }
  bool Uint(unsigned u) { return v_.Uint(u); }
  bool Int64(int64_t i) { return v_.Int64(i); }
  bool Uint64(uint64_t u) { return v_.Uint64(u); }
  bool Double(double d) { return v_.Double(d); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    Named named(s, n);
    return v_.String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    Named named(s, n);
    return v_.Key(s, n, copy);
  }
  bool StartObject() { return v_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { return v_.EndObject(n); }
  bool StartArray() { return v_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return v_.EndArray(n); }

 private:
  // Cleared once the check is done: a later string at the same address must not take this
  // one's length.
  struct Named {
    Named(const char* s, size_t n) { pattern_subject = {s, n}; }
    ~Named() { pattern_subject = {}; }
    Named(const Named&) = delete;
    Named& operator=(const Named&) = delete;
  };
  rapidjson::SchemaValidator& v_;
};

constexpr size_t kMaxSchemaDepth = 64;
constexpr size_t kMaxAnswerDepth = 512;

}  // namespace

struct JsonSchema::Impl {
  rapidjson::Document doc;
  std::unique_ptr<rapidjson::SchemaDocument> schema;
};

JsonSchema::JsonSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonSchema::~JsonSchema() = default;

Status JsonSchema::Compile(std::string_view text, std::unique_ptr<JsonSchema>* out) {
  if (Depth(text) > kMaxSchemaDepth) {
    return Status::InvalidArgument("the schema nests deeper than " +
                                   std::to_string(kMaxSchemaDepth) + " levels");
  }
  auto impl = std::make_unique<Impl>();
  impl->doc.Parse(text.data(), text.size());
  if (impl->doc.HasParseError()) {
    return Status::InvalidArgument(std::string("the schema is not valid JSON: ") +
                                   rapidjson::GetParseError_En(impl->doc.GetParseError()) +
                                   " at offset " + std::to_string(impl->doc.GetErrorOffset()));
  }
  if (!impl->doc.IsObject()) return Status::InvalidArgument("the schema is not a JSON object");
  SY_RETURN_IF_ERROR(Shape(impl->doc, ""));
  Alloc& alloc = impl->doc.GetAllocator();
  auto draft4 = [&](rapidjson::Value& schema) {
    ConstAsEnum(schema, alloc);
    DefsAsDefinitions(schema, alloc);
    AdditionalFalseAsSchema(schema, alloc);
    PatternNulsEscaped(schema, alloc);
    AdditionalUnknowable(schema);
  };
  EachSchema(impl->doc, draft4);
  SY_RETURN_IF_ERROR(RefTargetsAsSchemas(impl->doc, draft4));
  impl->schema = std::make_unique<rapidjson::SchemaDocument>(impl->doc);
  out->reset(new JsonSchema(std::move(impl)));
  return Status::Ok();
}

Status JsonSchema::Validate(std::string_view json) const {
  if (Depth(json) > kMaxAnswerDepth) {
    return Status::InvalidArgument("at /: nests deeper than " + std::to_string(kMaxAnswerDepth) +
                                   " levels");
  }
  rapidjson::Document d;
  // Iterative: a deep answer costs heap, not stack. (Its text is UTF-8 already: the wire
  // readers checked it as they read the provider's JSON.)
  d.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (d.HasParseError()) {
    return Status::InvalidArgument(std::string("not valid JSON: ") +
                                   rapidjson::GetParseError_En(d.GetParseError()) + " at offset " +
                                   std::to_string(d.GetErrorOffset()));
  }
  rapidjson::SchemaValidator validator(*impl_->schema);
  SubjectNamingValidator named(validator);
  if (d.Accept(named)) return Status::Ok();
  rapidjson::StringBuffer where;
  validator.GetInvalidDocumentPointer().StringifyUriFragment(where);
  std::string path = where.GetString();
  // "#/items/0" as a fragment; the bare pointer reads better in a reason.
  if (!path.empty() && path[0] == '#') path.erase(0, 1);
  if (path.empty()) path = "/";
  return Status::InvalidArgument("at " + path + ": fails '" +
                                 WrittenAs(validator.GetInvalidSchemaPointer().Get(impl_->doc),
                                           validator.GetInvalidSchemaKeyword()) +
                                 "'");
}

}  // namespace switchyard
