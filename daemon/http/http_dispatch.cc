#include "http/http_dispatch.h"

#include <cstdlib>

namespace switchyard {

bool HttpDispatch::ProxyInEnvironment() {
  // curl reads http_proxy in lower case only (the upper case one is an attack vector under
  // CGI), and ALL_PROXY in either.
  for (const char* name : {"http_proxy", "all_proxy", "ALL_PROXY"}) {
    const char* v = std::getenv(name);
    if (v && *v) return true;
  }
  return false;
}

HttpClient::Id HttpDispatch::Start(HttpRequest req, Callback done) {
  if (Plain(req)) {
    Id id = plain_->Start(std::move(req), std::move(done));
    return id == 0 ? 0 : id | kPlainBit;
  }
  return curl_->Start(std::move(req), std::move(done));
}

void HttpDispatch::Cancel(Id id) {
  if (id & kPlainBit) {
    plain_->Cancel(id & ~kPlainBit);
  } else {
    curl_->Cancel(id);
  }
}

}  // namespace switchyard
