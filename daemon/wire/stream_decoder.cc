#include "wire/stream_decoder.h"

#include "wire/error_body.h"

namespace switchyard {

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
