// Reads the recorded provider bodies in tests/providers/testdata (see its README.md).
#pragma once

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "providers/provider.h"

namespace switchyard {

inline std::string ReadTestdata(const std::string& rel) {
  std::ifstream in(std::string(SWITCHYARD_TESTDATA) + "/" + rel, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.empty()) throw std::runtime_error("missing testdata " + rel);
  // The files end with one newline that is not part of the wire body.
  if (s.back() == '\n') s.pop_back();
  return s;
}

// `p`'s reading of a reply of `status` with `body` (kept until the next call), for `req`;
// `error_type` is the x-amzn-ErrorType header, `retry_after` Retry-After.
inline ParsedResponse ParseReply(const Provider& p, int64_t status, std::string body,
                                 const CompleteRequest& req = {}, std::string error_type = "",
                                 std::string retry_after = "") {
  static std::string kept_body, kept_type, kept_retry;
  kept_body = std::move(body);
  kept_type = std::move(error_type);
  kept_retry = std::move(retry_after);
  HttpReply reply;
  reply.status = status;
  reply.body = kept_body;
  reply.body_capacity = kept_body.capacity();
  reply.error_type = kept_type;
  reply.retry_after = kept_retry;
  return p.Parse(reply, req);
}

inline ParsedResponse ParseFixture(const Provider& p, int64_t status, const std::string& rel,
                                   const std::string& retry_after = "") {
  return ParseReply(p, status, ReadTestdata(rel), {}, "", retry_after);
}

// Whether a built call carries the header line `h`.
inline bool HasHeader(const HttpCallSpec& call, const std::string& h) {
  return call.headers &&
         std::find(call.headers->begin(), call.headers->end(), h) != call.headers->end();
}

}  // namespace switchyard
