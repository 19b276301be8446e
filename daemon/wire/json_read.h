// Parsing a provider's body with simdjson, in place when the buffer has room for its
// padding. One parser per thread is reused: its allocation is the expensive part.
#pragma once

#include <simdjson.h>

#include <string_view>

namespace switchyard {

inline simdjson::error_code ParseJson(std::string_view body, size_t capacity,
                                      simdjson::dom::element* out) {
  thread_local simdjson::dom::parser parser;
  bool padded = capacity >= body.size() + simdjson::SIMDJSON_PADDING;
  return parser.parse(body.data(), body.size(), !padded).get(*out);
}

}  // namespace switchyard
