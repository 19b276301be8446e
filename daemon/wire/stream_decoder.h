// Turns each provider's stream events into deltas (text, pieces of tool calls) and the answer
// they add up to. One decoder per wire format, beside its translator; no I/O, fed by whatever
// reads the HTTP body.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "protocol/messages.h"
#include "wire/outcome.h"
#include "wire/sse.h"

namespace switchyard {

struct StreamState {
  Answer answer;          // content and tool calls so far, finish reason and usage once known
  bool finished = false;  // the provider's final event arrived ([DONE], message_stop)
  bool failed = false;    // an error event, or an event that could not be read
  Outcome failure = Outcome::kOk;
  std::string reason;
};

// What one event added: text, and pieces of tool calls numbered as OpenAI numbers them (0, 1,
// ... among this answer's calls; a call's first piece carries its id and name).
struct StreamDelta {
  std::string text;
  std::vector<ToolCallDelta> tool_calls;
  bool empty() const { return text.empty() && tool_calls.empty(); }
};

// A whole answer as one delta: for a stream whose answer came whole (a fallback's, say).
StreamDelta WholeAnswerDelta(const CompleteResult& r);

class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // Applies one event to `state`; appends what it added to `delta`.
  virtual void OnEvent(const SseEvent& e, StreamState* state, StreamDelta* delta) = 0;
};

std::unique_ptr<StreamDecoder> MakeOpenAIStreamDecoder();
// `req` says whether a json_schema answer comes as a forced tool call to unwrap into text.
std::unique_ptr<StreamDecoder> MakeAnthropicStreamDecoder(const CompleteRequest& req);

// Adds `d` to `calls`, the calls so far: a new call, or a piece of one.
void ApplyToolCallDelta(const ToolCallDelta& d, std::vector<ToolCall>* calls);
// Ends the stream in `s` as failed with `o`, for `reason` (bounded: error_body.h ReasonText).
void FailStream(StreamState* s, Outcome o, std::string reason);

}  // namespace switchyard
