// Parsing a provider's body with simdjson, in place when the buffer has room for its
// padding. One parser per thread is reused: its allocation is the expensive part.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>

#include "wire/outcome.h"

namespace switchyard {

inline simdjson::error_code ParseJson(std::string_view body, size_t capacity,
                                      simdjson::dom::element* out) {
  thread_local simdjson::dom::parser parser;
  bool padded = capacity >= body.size() + simdjson::SIMDJSON_PADDING;
  return parser.parse(body.data(), body.size(), !padded).get(*out);
}

// `r` made a bad_response saying `why`; returns it, for `return Bad(&r, ...)`.
inline ParsedResponse Bad(ParsedResponse* r, std::string why) {
  r->outcome = Outcome::kBadResponse;
  r->reason = std::move(why);
  return *r;
}

// The start of reading any provider's answer: a non-2xx reply is its error classified
// (into `*r`, false), a 2xx body that is not JSON a bad_response (false), else its `doc`.
bool ReadAnswerBody(const HttpReply& reply, simdjson::dom::element* doc, ParsedResponse* r);

// The string at `e`, or "" when it is absent or not a string.
inline std::string_view StringOr(simdjson::simdjson_result<simdjson::dom::element> e) {
  std::string_view v;
  return e.get_string().get(v) == simdjson::SUCCESS ? v : std::string_view();
}

}  // namespace switchyard
