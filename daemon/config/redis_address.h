// Where the fleet's Redis is: `fleet.redis` parsed. "redis://HOST:PORT" (port 6379 when left
// out) or "unix:/path". A password in the URL is refused: it belongs in fleet.password_file,
// so that the URL can be logged and shown in `status` as it is.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace switchyard {

struct RedisAddress {
  std::string host;  // TCP; empty for a Unix socket
  int port = 6379;
  std::string path;  // a Unix socket
  bool is_unix() const { return !path.empty(); }
  // As written in the config, normalised: "redis://127.0.0.1:6379" or "unix:/run/redis.sock".
  std::string ToString() const;
};

Status ParseRedisAddress(std::string_view url, RedisAddress* out);

}  // namespace switchyard
