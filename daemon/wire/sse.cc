#include "wire/sse.h"

#include <cstring>

namespace switchyard {
namespace {

// Where the line that starts at `from` ends (its \n or \r); npos if not in `s`. memchr for
// each, the \r only within the line: a byte loop cost a stream's relay 13 instructions a byte.
size_t LineEnd(std::string_view s, size_t from) {
  const char* p = s.data() + from;
  size_t n = s.size() - from;
  const auto* nl = static_cast<const char*>(std::memchr(p, '\n', n));
  size_t within = nl != nullptr ? static_cast<size_t>(nl - p) : n;
  if (const auto* cr = static_cast<const char*>(std::memchr(p, '\r', within)); cr != nullptr) {
    return from + static_cast<size_t>(cr - p);
  }
  return nl != nullptr ? from + within : std::string_view::npos;
}

}  // namespace

void SseParser::Feed(std::string_view bytes, const EventFn& fn) {
  size_t start = 0;
  while (start < bytes.size()) {
    if (last_was_cr_) {
      last_was_cr_ = false;
      // "\r\n" is one line end: the \n right after a \r ends nothing.
      if (bytes[start] == '\n' && line_.empty()) {
        ++start;
        continue;
      }
    }
    size_t end = LineEnd(bytes, start);
    if (end == std::string_view::npos) break;
    std::string_view piece = bytes.substr(start, end - start);
    if (line_.empty()) {
      Line(piece, fn);  // the usual case: the whole line arrived in this piece
    } else {
      line_.append(piece);
      Line(line_, fn);
      line_.clear();
    }
    last_was_cr_ = bytes[end] == '\r';
    start = end + 1;
  }
  line_.append(bytes.substr(start));
}

void SseParser::Line(std::string_view line, const EventFn& fn) {
  if (line.empty()) {
    if (has_data_ || !event_.event.empty()) fn(event_);
    // Cleared, not replaced: the next event reuses the room.
    event_.event.clear();
    event_.data.clear();
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
