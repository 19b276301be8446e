#include "answer/json_schema.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

namespace switchyard {
namespace {

// Draft 6's "const" as draft 4 says it: a one-value "enum" (when the schema has no enum of
// its own; with one, the two together are the intersection, which the enum already bounds
// only when it holds the const, so the const is kept as a one-value allOf instead).
void ConstAsEnum(rapidjson::Value& v, rapidjson::Document::AllocatorType& alloc) {
  if (v.IsArray()) {
    for (rapidjson::Value& item : v.GetArray()) ConstAsEnum(item, alloc);
    return;
  }
  if (!v.IsObject()) return;
  for (auto& m : v.GetObject()) ConstAsEnum(m.value, alloc);
  auto c = v.FindMember("const");
  if (c == v.MemberEnd()) return;
  rapidjson::Value one(rapidjson::kArrayType);
  one.PushBack(rapidjson::Value(c->value, alloc), alloc);
  v.RemoveMember("const");
  if (!v.HasMember("enum")) {
    v.AddMember("enum", one, alloc);
    return;
  }
  rapidjson::Value clause(rapidjson::kObjectType);
  clause.AddMember("enum", one, alloc);
  auto all = v.FindMember("allOf");
  if (all != v.MemberEnd() && all->value.IsArray()) {
    all->value.PushBack(clause, alloc);
  } else {
    rapidjson::Value list(rapidjson::kArrayType);
    list.PushBack(clause, alloc);
    v.AddMember("allOf", list, alloc);
  }
}

}  // namespace

struct JsonSchema::Impl {
  rapidjson::Document doc;
  std::unique_ptr<rapidjson::SchemaDocument> schema;
};

JsonSchema::JsonSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JsonSchema::~JsonSchema() = default;

Status JsonSchema::Compile(std::string_view text, std::unique_ptr<JsonSchema>* out) {
  auto impl = std::make_unique<Impl>();
  impl->doc.Parse(text.data(), text.size());
  if (impl->doc.HasParseError()) {
    return Status::InvalidArgument(
        std::string("the schema is not valid JSON: ") +
        rapidjson::GetParseError_En(impl->doc.GetParseError()) + " at offset " +
        std::to_string(impl->doc.GetErrorOffset()));
  }
  if (!impl->doc.IsObject()) return Status::InvalidArgument("the schema is not a JSON object");
  ConstAsEnum(impl->doc, impl->doc.GetAllocator());
  impl->schema = std::make_unique<rapidjson::SchemaDocument>(impl->doc);
  out->reset(new JsonSchema(std::move(impl)));
  return Status::Ok();
}

Status JsonSchema::Validate(std::string_view json) const {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError()) {
    return Status::InvalidArgument(std::string("not valid JSON: ") +
                                   rapidjson::GetParseError_En(d.GetParseError()) +
                                   " at offset " + std::to_string(d.GetErrorOffset()));
  }
  rapidjson::SchemaValidator validator(*impl_->schema);
  if (d.Accept(validator)) return Status::Ok();
  rapidjson::StringBuffer where;
  validator.GetInvalidDocumentPointer().StringifyUriFragment(where);
  std::string path = where.GetString();
  // "#/items/0" as a fragment; the bare pointer reads better in a reason.
  if (!path.empty() && path[0] == '#') path.erase(0, 1);
  if (path.empty()) path = "/";
  return Status::InvalidArgument("at " + path + ": fails '" +
                                 validator.GetInvalidSchemaKeyword() + "'");
}

}  // namespace switchyard
