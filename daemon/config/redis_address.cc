#include "config/redis_address.h"

#include <cctype>

namespace switchyard {

std::string RedisAddress::ToString() const {
  if (is_unix()) return "unix:" + path;
  bool v6 = host.find(':') != std::string::npos;
  return "redis://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Status ParseRedisAddress(std::string_view url, RedisAddress* out) {
  RedisAddress a;
  if (url.rfind("unix:", 0) == 0) {
    std::string_view path = url.substr(5);
    // "unix:///run/redis.sock" names the same file as "unix:/run/redis.sock".
    while (path.size() > 1 && path[0] == '/' && path[1] == '/') path.remove_prefix(1);
    if (path.empty() || path[0] != '/') {
      return Status::InvalidArgument("expected \"unix:/absolute/path\"");
    }
    a.path = std::string(path);
    *out = std::move(a);
    return Status::Ok();
  }
  if (url.rfind("redis://", 0) != 0) {
    return Status::InvalidArgument(
        "expected \"redis://HOST:PORT\" or \"unix:/path\" (rediss:// is not supported: "
        "reach a remote Redis through a local TLS tunnel)");
  }
  std::string_view rest = url.substr(8);
  if (rest.find('@') != std::string_view::npos) {
    return Status::InvalidArgument(
        "has user info; put the password in fleet.password_file instead");
  }
  size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash);
    if (db != "/" && db != "/0") {
      return Status::InvalidArgument(
          "names a database; the fleet uses database 0 and key prefix "
          "fleet.name");
    }
    rest = rest.substr(0, slash);
  }
  std::string_view port;
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("has an unclosed '['");
    a.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return Status::InvalidArgument("expected ':' after ']'");
      port = rest.substr(1);
    }
  } else {
    size_t colon = rest.rfind(':');
    a.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (a.host.empty()) return Status::InvalidArgument("has no host");
  if (!port.empty() || rest.find(':') != std::string_view::npos) {
    if (port.empty() || port.size() > 5) return Status::InvalidArgument("has a bad port");
    int p = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) {
        return Status::InvalidArgument("has a bad port");
      }
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) return Status::InvalidArgument("has a port out of range");
    a.port = p;
  }
  *out = std::move(a);
  return Status::Ok();
}

}  // namespace switchyard
