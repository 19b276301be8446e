#include "wire/json_fields.h"

#include <cmath>

namespace switchyard {
namespace {

const char* TypeName(simdjson::dom::element_type t) {
  switch (t) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
      return "an integer";
    case simdjson::dom::element_type::DOUBLE:
      return "a number";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "something else";
}

}  // namespace

Status ExpectType(const std::string& path, simdjson::dom::element e, const char* want) {
  return FieldError(path + ": expected " + want + ", got " + TypeName(e.type()));
}

Status ReadText(const std::string& path, simdjson::dom::element e, std::string* out) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return ExpectType(path, e, "a string");
  out->assign(s);
  return Status::Ok();
}

Status ReadInteger(const std::string& path, simdjson::dom::element e, int64_t* out) {
  if (e.get_int64().get(*out) == simdjson::SUCCESS) return Status::Ok();
  double d;
  if (e.get_double().get(d) == simdjson::SUCCESS && d == std::floor(d) && std::fabs(d) < 9e15) {
    *out = static_cast<int64_t>(d);
    return Status::Ok();
  }
  return ExpectType(path, e, "an integer");
}

Status ReadFlag(const std::string& path, simdjson::dom::element e, bool* out) {
  if (e.get_bool().get(*out) != simdjson::SUCCESS) return ExpectType(path, e, "a boolean");
  return Status::Ok();
}

Status ReadNumber(const std::string& path, simdjson::dom::element e, double* out) {
  if (e.get_double().get(*out) != simdjson::SUCCESS) return ExpectType(path, e, "a number");
  return Status::Ok();
}

}  // namespace switchyard
