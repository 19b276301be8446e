// Reading a client's JSON request field by field, for the doors' request readers: each
// reader checks a value's type and says which field was wrong, by its path
// ("messages[1].content: expected a string, got an integer").
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>

#include "base/status.h"

namespace switchyard {

inline Status FieldError(const std::string& what) { return Status::InvalidArgument(what); }
// "PATH: expected WANT, got TYPE".
Status ExpectType(const std::string& path, simdjson::dom::element e, const char* want);

Status ReadText(const std::string& path, simdjson::dom::element e, std::string* out);
// An integer, also when written as a whole double (2.0).
Status ReadInteger(const std::string& path, simdjson::dom::element e, int64_t* out);
Status ReadFlag(const std::string& path, simdjson::dom::element e, bool* out);
Status ReadNumber(const std::string& path, simdjson::dom::element e, double* out);

// A JSON value as compact text: schemas and tool inputs travel on as they came.
inline std::string JsonText(simdjson::dom::element e) { return simdjson::minify(e); }

}  // namespace switchyard
