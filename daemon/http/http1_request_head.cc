#include "http/http1_request_head.h"

namespace switchyard {

Http1RequestHead::Http1RequestHead(std::string_view path, std::string_view authority) {
  start_ = "POST ";
  start_.append(path).append(" HTTP/1.1\r\nHost: ").append(authority) += "\r\n";
}

void Http1RequestHead::Build(const HeaderLines& lines, size_t body_bytes, std::string* out) {
  if (head_.empty() || lines_ != lines) {
    lines_ = lines;
    head_ = start_;
    if (lines_) {
      for (const std::string& line : *lines_) head_.append(line) += "\r\n";
    }
  }
  *out = head_;
  *out += "Content-Length: ";
  *out += std::to_string(body_bytes);
  *out += "\r\n\r\n";
}

}  // namespace switchyard
