// Reads the recorded provider bodies in tests/providers/testdata (see its README.md).
#pragma once

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

inline ParsedResponse ParseFixture(const Provider& p, int64_t status, const std::string& rel,
                                   const std::string& retry_after = "") {
  static std::string body;  // kept alive for the views in the answer
  body = ReadTestdata(rel);
  HttpReply reply;
  reply.status = status;
  reply.body = body;
  reply.body_capacity = body.capacity();
  reply.retry_after = retry_after;
  return p.Parse(reply, {});
}

}  // namespace switchyard
