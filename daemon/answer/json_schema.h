// A JSON Schema, compiled once, that answers are validated against. The validator is
// RapidJSON's (Debian's rapidjson-dev): draft 4, plus what OpenAI's strict mode uses beyond
// it: "const" (read as a one-value "enum") and "$defs" (reached by "$ref": "#/$defs/..." as a
// JSON pointer, which draft 4 resolves in any part of the document). docs/design.md says
// what is and is not covered. Pure; not thread-safe (one per thread, see answer_schemas.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace switchyard {

class JsonSchema {
 public:
  // Compiles `schema` (JSON text). InvalidArgument when it is not JSON or not an object.
  static Status Compile(std::string_view schema, std::unique_ptr<JsonSchema>* out);
  ~JsonSchema();
  JsonSchema(const JsonSchema&) = delete;
  JsonSchema& operator=(const JsonSchema&) = delete;

  // Ok when `json` is JSON that follows the schema. Otherwise InvalidArgument naming the
  // first failing place: "at /items/0/price: fails 'type'", or "not valid JSON at offset 12".
  Status Validate(std::string_view json) const;

 private:
  struct Impl;
  explicit JsonSchema(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard
