// Server-sent events (text/event-stream), as both providers stream: split a byte stream
// that arrives in arbitrary pieces into events. Follows the WHATWG rules that matter here:
// lines end in \n, \r\n or \r; "event:" names the event; "data:" lines are joined with \n;
// a line starting with ":" is a comment; a blank line ends the event.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace switchyard {

struct SseEvent {
  std::string event;  // empty: the default "message"
  std::string data;
};

class SseParser {
 public:
  using EventFn = std::function<void(const SseEvent&)>;
  // Calls `fn` for every event completed by `bytes`. Partial lines and events are kept.
  void Feed(std::string_view bytes, const EventFn& fn);
  // Bytes buffered for an event not yet complete.
  size_t pending() const { return line_.size() + event_.data.size(); }

 private:
  void Line(std::string_view line, const EventFn& fn);

  std::string line_;
  bool last_was_cr_ = false;
  SseEvent event_;
  bool has_data_ = false;
};

}  // namespace switchyard
