// Outbound HTTP for provider calls: an interface, so the router can be tested with a fake,
// and the real one (curl_http_client.h) runs libcurl's multi-socket API on the libuv loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard {

// "Name: value" lines. Shared, since a provider sends the same ones on every call and the
// client may prepare them once (curl's list, for one).
using HeaderLines = std::shared_ptr<const std::vector<std::string>>;

// What a SigV4 signature needs beside the request: "aws:amz:REGION:SERVICE" and the key
// pair. (A session token travels as the x-amz-security-token header, which is signed too.)
struct AwsSigning {
  std::string provider;
  std::string access_key_id;
  std::string secret_access_key;
};

struct HttpRequest {
  std::string url;
  HeaderLines headers;  // may be null: none
  std::string body;     // POSTed as is
  // A backstop: the router cancels attempts at their own timeouts before this fires.
  int64_t timeout_ms = 60000;
  int64_t connect_timeout_ms = 2000;
  // Bodies beyond this are abandoned as a transport error (a provider gone mad, or garbage).
  size_t max_response_bytes = 64 << 20;
  // PEM file of CAs to trust instead of the system's; empty for the system store.
  std::string ca_file;
  // Streams: when set, a 2xx answer's body is handed here as it arrives instead of being
  // collected in HttpResponse::body (an error status's body is still collected, to be
  // parsed). Runs on the loop thread, never from inside curl, so it may Cancel any request.
  std::function<void(std::string_view)> on_data;
  // libcurl even for a cleartext URL, which otherwise goes to the daemon's own HTTP/1.1
  // client (providers.NAME.http_client = "curl").
  bool use_curl = false;
  // AWS Signature Version 4: set, libcurl signs the request (CURLOPT_AWS_SIGV4) with this
  // key pair, and the request goes through libcurl whatever its URL.
  std::shared_ptr<const AwsSigning> aws;
};

enum class TransportError {
  kNone,
  kConnect,   // no connection: nothing reached the provider
  kTimeout,   // HttpRequest::timeout_ms passed
  kTooLarge,  // body over max_response_bytes
  kTls,       // handshake or certificate refused
  kOther,     // reset, truncated body, protocol error, ...
};

// Room a response body keeps past its end: simdjson's padding, so answers parse in place.
inline constexpr size_t kBodySpareBytes = 64;

// Gives `body` its spare room, if it does not have it already.
inline void LeaveSpareRoom(std::string* body) {
  if (body->capacity() < body->size() + kBodySpareBytes) {
    body->reserve(body->size() + kBodySpareBytes);
  }
}

struct HttpResponse {
  TransportError error = TransportError::kNone;
  std::string error_message;  // curl's words for a transport error
  int64_t status = 0;
  std::string body;  // capacity leaves kBodySpareBytes spare, for in-place JSON parsing
  std::string retry_after;
  std::string retry_after_ms;
  std::string error_type;  // x-amzn-ErrorType: what an AWS service calls its error
};

class HttpClient {
 public:
  using Id = uint64_t;
  using Callback = std::function<void(HttpResponse&&)>;
  virtual ~HttpClient() = default;

  // Starts a request; `done` runs once on the loop thread, later, never from inside Start.
  // Returns 0 if the request could not be started, and then `done` is never called.
  virtual Id Start(HttpRequest req, Callback done) = 0;

  // Abandons a request: its callback will not run. A no-op for a finished or unknown id.
  virtual void Cancel(Id id) = 0;
};

}  // namespace switchyard
