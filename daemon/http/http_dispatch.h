// Sends each request to the client made for it: cleartext http:// to Http1Client, TLS,
// proxies and whatever it does not take to libcurl. One HttpClient to the router.
#pragma once

#include "http/http1_client.h"
#include "http/http_client.h"

namespace switchyard {

class HttpDispatch final : public HttpClient {
 public:
  // Both must outlive this object. With `curl_only`, every request goes to `curl` (a proxy
  // set in the environment, which only curl honours).
  HttpDispatch(Http1Client* plain, HttpClient* curl, bool curl_only)
      : plain_(plain), curl_(curl), curl_only_(curl_only) {}

  // Whether the environment names a proxy curl would use for http:// URLs.
  static bool ProxyInEnvironment();

  // Whether a request for `url` goes to the HTTP/1.1 client; a signed one (SigV4, which only
  // libcurl does) never does.
  bool Plain(const std::string& url, bool use_curl, bool signed_aws = false) const {
    return !curl_only_ && !use_curl && !signed_aws && Http1Client::Handles(url);
  }
  bool Plain(const HttpRequest& req) const {
    return Plain(req.url, req.use_curl, req.aws != nullptr);
  }

  Id Start(HttpRequest req, Callback done) override;
  void Cancel(Id id) override;

 private:
  // The top bit of an id says which client it came from; each counts from 1 on its own.
  static constexpr Id kPlainBit = Id{1} << 63;

  Http1Client* plain_;
  HttpClient* curl_;
  bool curl_only_;
};

}  // namespace switchyard
