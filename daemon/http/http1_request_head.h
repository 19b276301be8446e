// The head of the HTTP/1.1 client's POSTs to one URL: the request line, Host, the provider's
// header lines and Content-Length. A provider sends the same lines on every request, so they
// are formatted once, and again only when another set comes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/http_client.h"

namespace switchyard {

class Http1RequestHead {
 public:
  // `path` as it goes on the request line, `authority` as the Host header ("host:port").
  Http1RequestHead(std::string_view path, std::string_view authority);

  // The head of a request with `lines` and a body of `body_bytes`, into `*out`.
  void Build(const HeaderLines& lines, size_t body_bytes, std::string* out);

 private:
  std::string start_;  // "POST /path HTTP/1.1\r\nHost: host\r\n"
  HeaderLines lines_;  // held, so a new set of lines is never taken for the old one
  std::string head_;   // start_ and the lines of lines_
};

}  // namespace switchyard
