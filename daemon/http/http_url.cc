#include "http/http_url.h"

namespace switchyard {
namespace {

// string_view::find_first_of calls memchr on its set for every byte; these URLs are parsed
// once a request.
size_t FindAny(std::string_view s, std::string_view set) {
  for (size_t i = 0; i < s.size(); ++i) {
    for (char c : set) {
      if (s[i] == c) return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

bool ParseHttpUrl(std::string_view url, HttpUrl* out) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return false;
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = FindAny(rest, "/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "/" : rest.substr(slash);
  // User info, fragments and oddities stay with libcurl.
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      path.find('#') != std::string_view::npos || path.front() != '/' ||
      FindAny(url, " \r\n\t") != std::string_view::npos) {
    return false;
  }
  std::string_view host = authority;
  std::string_view port = "80";
  if (host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view after = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port = after.substr(1);
    }
  } else if (size_t colon = host.find(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (host.empty() || port.empty() || port.size() > 5) return false;
  int p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    p = p * 10 + (c - '0');
  }
  if (p < 1 || p > 65535) return false;
  out->authority = authority;
  out->host = host;
  out->port = port;
  out->path = path;
  return true;
}

}  // namespace switchyard
