// The plain http:// URLs the built-in HTTP/1.1 client serves itself (loopback fakes, local
// gateways); anything else (https, user info, fragments) is left to libcurl.
#pragma once

#include <string_view>

namespace switchyard {

// Views into the URL it was parsed from.
struct HttpUrl {
  std::string_view authority;  // host[:port] as written, for the Host header
  std::string_view host;       // without brackets
  std::string_view port;       // "80" when none is written
  std::string_view path;       // with its query; "/" when none is written
};

// False if `url` is not a plain http:// URL with a host and a port in 1..65535.
bool ParseHttpUrl(std::string_view url, HttpUrl* out);

}  // namespace switchyard
