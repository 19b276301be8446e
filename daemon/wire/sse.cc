#include "wire/sse.h"

namespace switchyard {

void SseParser::Feed(std::string_view bytes, const EventFn& fn) {
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c != '\n' && c != '\r') {
      last_was_cr_ = false;
      continue;
    }
    // "\r\n" is one line end: the \n right after a \r ends nothing.
    if (c == '\n' && last_was_cr_ && i == start && line_.empty()) {
      last_was_cr_ = false;
      start = i + 1;
      continue;
    }
    line_.append(bytes.substr(start, i - start));
    Line(line_, fn);
    line_.clear();
    last_was_cr_ = c == '\r';
    start = i + 1;
  }
  line_.append(bytes.substr(start));
}

void SseParser::Line(std::string_view line, const EventFn& fn) {
  if (line.empty()) {
    if (has_data_ || !event_.event.empty()) fn(event_);
    event_ = SseEvent();
    has_data_ = false;
    return;
  }
  if (line[0] == ':') return;
  size_t colon = line.find(':');
  std::string_view field = line.substr(0, colon);
  std::string_view value =
      colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
  if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  if (field == "event") {
    event_.event.assign(value);
  } else if (field == "data") {
    if (has_data_) event_.data.push_back('\n');
    event_.data.append(value);
    has_data_ = true;
  }
  // id and retry do not matter for a single request's stream.
}

}  // namespace switchyard
