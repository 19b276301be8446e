#include "front/http_request_reader.h"

#include <climits>

namespace switchyard {

const std::string* HttpRequestIn::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string_view HttpRequestIn::Path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

// The parser's callbacks; a non-zero return stops it with an error.
struct HttpReaderCallbacks {
  static HttpRequestReader* R(http_parser* p) { return static_cast<HttpRequestReader*>(p->data); }
  static int OnMessageBegin(http_parser* p) {
    HttpRequestReader* r = R(p);
    r->req_ = HttpRequestIn();
    r->req_.headers.reserve(8);  // a client's usual few, without growing the vector thrice
    r->field_.clear();
    r->value_.clear();
    r->in_value_ = false;
    r->header_bytes_ = 0;
    r->mid_request_ = true;
    return 0;
  }
  static int OnUrl(http_parser* p, const char* at, size_t n) {
    R(p)->req_.target.append(at, n);
    return R(p)->CountHead(n) ? 0 : 1;
  }
  static int OnHeaderField(http_parser* p, const char* at, size_t n) {
    R(p)->EndHeader();
    R(p)->field_.append(at, n);
    return R(p)->CountHead(n) ? 0 : 1;
  }
  static int OnHeaderValue(http_parser* p, const char* at, size_t n) {
    R(p)->in_value_ = true;
    R(p)->value_.append(at, n);
    return R(p)->CountHead(n) ? 0 : 1;
  }
  static int OnHeadersComplete(http_parser* p) {
    HttpRequestReader* r = R(p);
    r->EndHeader();
    r->req_.method = http_method_str(static_cast<http_method>(p->method));
    if (p->content_length != ULLONG_MAX && p->content_length > r->max_body_bytes_) {
      r->status_ = 413;
      return -1;
    }
    return 0;
  }
  static int OnBody(http_parser* p, const char* at, size_t n) {
    HttpRequestReader* r = R(p);
    if (r->req_.body.size() + n > r->max_body_bytes_) {
      r->status_ = 413;  // a chunked body that grew past the limit
      return 1;
    }
    r->req_.body.append(at, n);
    return 0;
  }
  static int OnMessageComplete(http_parser* p) {
    HttpRequestReader* r = R(p);
    r->keep_alive_ = http_should_keep_alive(p) != 0;
    r->mid_request_ = false;
    http_parser_pause(p, 1);  // one request at a time: the next waits for this one's answer
    return 0;
  }
  static const http_parser_settings& Settings() {
    static const http_parser_settings s = [] {
      http_parser_settings t;
      http_parser_settings_init(&t);
      t.on_message_begin = OnMessageBegin;
      t.on_url = OnUrl;
      t.on_header_field = OnHeaderField;
      t.on_header_value = OnHeaderValue;
      t.on_headers_complete = OnHeadersComplete;
      t.on_body = OnBody;
      t.on_message_complete = OnMessageComplete;
      return t;
    }();
    return s;
  }
};

HttpRequestReader::HttpRequestReader(size_t max_header_bytes, size_t max_body_bytes)
    : max_header_bytes_(max_header_bytes), max_body_bytes_(max_body_bytes) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
}

bool HttpRequestReader::CountHead(size_t n) {
  header_bytes_ += n;
  if (header_bytes_ <= max_header_bytes_) return true;
  status_ = 431;
  return false;
}

void HttpRequestReader::EndHeader() {
  if (!in_value_) return;
  // ASCII only, as HTTP's token characters are: std::tolower asks the locale a byte at a time.
  for (char& ch : field_) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  req_.headers.emplace_back(std::move(field_), std::move(value_));
  field_.clear();
  value_.clear();
  in_value_ = false;
}

HttpRequestReader::Result HttpRequestReader::Feed(std::string_view data, size_t* used) {
  *used = http_parser_execute(&parser_, &HttpReaderCallbacks::Settings(), data.data(), data.size());
  http_errno err = HTTP_PARSER_ERRNO(&parser_);
  if (err == HPE_PAUSED) return Result::kRequest;
  if (err == HPE_OK) return Result::kMore;
  if (status_ == 413) {
    why_ = "the body is larger than " + std::to_string(max_body_bytes_) + " bytes";
  } else if (status_ == 431) {
    why_ = "the request's head is larger than " + std::to_string(max_header_bytes_) + " bytes";
  } else {
    status_ = 400;
    why_ = std::string("malformed HTTP request: ") + http_errno_description(err);
  }
  return Result::kRefused;
}

}  // namespace switchyard
