// One HTTP/1.1 connection's requests, read from its bytes with Debian's http-parser (nodejs'
// strict C parser) within the server's limits: a head over `max_header_bytes` is refused
// with 431, a body over `max_body_bytes` with 413 (from its Content-Length, before any of
// it is read, or as a chunked body grows), anything else that does not parse with 400.
// A whole request pauses the reader until Resume: one request at a time.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchyard {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequestIn {
  std::string method;
  std::string target;   // the request target as sent: path and query
  HttpHeaders headers;  // names lower-cased
  std::string body;
  // The first header of that (lower-case) name, or null.
  const std::string* Header(std::string_view name) const;
  std::string_view Path() const;  // the target without its query
};

class HttpRequestReader {
 public:
  HttpRequestReader(size_t max_header_bytes, size_t max_body_bytes);
  HttpRequestReader(const HttpRequestReader&) = delete;
  HttpRequestReader& operator=(const HttpRequestReader&) = delete;

  enum class Result { kMore, kRequest, kRefused };
  // Reads what it can of `data`, setting `*used` to the bytes taken. kRequest: a whole
  // request is ready (Take it); kRefused: the connection's input is bad (status(), why()).
  Result Feed(std::string_view data, size_t* used);
  HttpRequestIn Take() { return std::move(req_); }
  // After kRequest: whether the client keeps the connection for another.
  bool keep_alive() const { return keep_alive_; }
  // After the answer: the next request may be read.
  void Resume() { http_parser_pause(&parser_, 0); }
  // Between a request's first byte and its last.
  bool mid_request() const { return mid_request_; }
  // After kRefused: 400, 413 or 431, and why.
  int status() const { return status_; }
  const std::string& why() const { return why_; }
  // The target of the request being read, as much as was read (for an error's wording).
  const std::string& target() const { return req_.target; }

 private:
  friend struct HttpReaderCallbacks;
  bool CountHead(size_t n);
  void EndHeader();

  http_parser parser_;
  size_t max_header_bytes_, max_body_bytes_;
  HttpRequestIn req_;
  std::string field_, value_;
  bool in_value_ = false;
  size_t header_bytes_ = 0;
  int status_ = 0;  // the refusal's
  std::string why_;
  bool mid_request_ = false;
  bool keep_alive_ = true;
};

}  // namespace switchyard
