// Turns each provider's stream events into text deltas and the answer they add up to.
// No I/O; fed by whatever reads the HTTP body.
#pragma once

#include <memory>
#include <string>

#include "providers/outcome.h"
#include "providers/sse.h"

namespace switchyard {

struct StreamState {
  Answer answer;          // content so far, finish reason and usage once known
  bool finished = false;  // the provider's final event arrived ([DONE], message_stop)
  bool failed = false;    // an error event, or an event that could not be read
  Outcome failure = Outcome::kOk;
  std::string reason;
};

class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  // Applies one event; appends any new text to `delta`.
  virtual void OnEvent(const SseEvent& e, StreamState* state, std::string* delta) = 0;
};

std::unique_ptr<StreamDecoder> MakeOpenAIStreamDecoder();
std::unique_ptr<StreamDecoder> MakeAnthropicStreamDecoder();

}  // namespace switchyard
