// Turns each provider's stream events into deltas (text, pieces of tool calls) and the answer
// they add up to. One decoder per wire format, beside its translator; no I/O, fed by whatever
// reads the HTTP body.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
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

// Splits a streamed body into events, whatever the provider frames them with: server-sent
// events for most; AWS's binary event stream for Bedrock, whose messages become events named
// by their ":event-type", an exception "exception:" and its ":exception-type" (the payload
// as data), and a frame that is broken (a checksum off) the event "error:framing".
class EventSplitter {
 public:
  using EventFn = std::function<void(const SseEvent&)>;
  virtual ~EventSplitter() = default;
  virtual void Feed(std::string_view bytes, const EventFn& fn) = 0;
};
std::unique_ptr<EventSplitter> MakeSseSplitter();
std::unique_ptr<EventSplitter> MakeAwsEventSplitter();

class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // What frames this provider's events: server-sent events unless it says otherwise.
  virtual std::unique_ptr<EventSplitter> NewSplitter() const { return MakeSseSplitter(); }
  // Applies one event to `state`; appends what it added to `delta`.
  virtual void OnEvent(const SseEvent& e, StreamState* state, StreamDelta* delta) = 0;
};

std::unique_ptr<StreamDecoder> MakeOpenAIStreamDecoder();
// `req` says whether a json_schema answer comes as a forced tool call to unwrap into text.
std::unique_ptr<StreamDecoder> MakeAnthropicStreamDecoder(const CompleteRequest& req);
// Bedrock's ConverseStream, read the same way (a json_schema answer is a forced tool call).
std::unique_ptr<StreamDecoder> MakeBedrockStreamDecoder(const CompleteRequest& req);

// Adds `d` to `calls`, the calls so far: a new call, or a piece of one.
void ApplyToolCallDelta(const ToolCallDelta& d, std::vector<ToolCall>* calls);
// Ends the stream in `s` as failed with `o`, for `reason` (bounded: error_body.h ReasonText).
void FailStream(StreamState* s, Outcome o, std::string reason);

}  // namespace switchyard
