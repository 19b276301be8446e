#include "wire/stream_decoder.h"

#include "wire/aws_event_stream.h"
#include "wire/error_body.h"

namespace switchyard {
namespace {

class SseSplitter final : public EventSplitter {
 public:
  void Feed(std::string_view bytes, const EventFn& fn) override { parser_.Feed(bytes, fn); }

 private:
  SseParser parser_;
};

class AwsEventSplitter final : public EventSplitter {
 public:
  void Feed(std::string_view bytes, const EventFn& fn) override {
    bool broken = !parser_.error().empty();
    parser_.Feed(bytes, [&fn](const EventStreamMessage& m) {
      SseEvent e;
      if (m.Header(":message-type") == "exception") {
        e.event = "exception:" + std::string(m.Header(":exception-type"));
      } else {
        e.event.assign(m.Header(":event-type"));
      }
      e.data = m.payload;
      fn(e);
    });
    if (!broken && !parser_.error().empty()) fn(SseEvent{"error:framing", parser_.error()});
  }

 private:
  EventStreamParser parser_;
};

}  // namespace

std::unique_ptr<EventSplitter> MakeSseSplitter() { return std::make_unique<SseSplitter>(); }
std::unique_ptr<EventSplitter> MakeAwsEventSplitter() {
  return std::make_unique<AwsEventSplitter>();
}

void FailStream(StreamState* s, Outcome o, std::string reason) {
  s->failed = true;
  s->failure = o;
  s->reason = ReasonText(std::move(reason));
}

void ApplyToolCallDelta(const ToolCallDelta& d, std::vector<ToolCall>* calls) {
  if (d.index >= static_cast<int64_t>(calls->size())) {
    calls->resize(d.index + 1);
    (*calls)[d.index].id = d.id;
    (*calls)[d.index].name = d.name;
  }
  (*calls)[d.index].arguments += d.arguments;
}

StreamDelta WholeAnswerDelta(const CompleteResult& r) {
  StreamDelta whole;
  whole.text = r.content;
  for (size_t i = 0; i < r.tool_calls.size(); ++i) {
    const ToolCall& c = r.tool_calls[i];
    whole.tool_calls.push_back({static_cast<int64_t>(i), c.id, c.name, c.arguments});
  }
  return whole;
}

}  // namespace switchyard
