// A streamed call's bytes turned into text and tool-call pieces for the client: events
// (server-sent, or AWS's event stream), read by the provider's decoder, whose text (and each call's
// arguments) is redacted once more as one text on its way out. A key a model echoes arrives a few
// bytes per event, so the bytes redacted at the door (http/redacting_http_client.h) never held it
// whole; a tail that could be the start of a key waits for the next event.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/redactor.h"
#include "wire/stream_decoder.h"

namespace switchyard {

class StreamRelay {
 public:
  // `redactor` must outlive the relay.
  StreamRelay(std::unique_ptr<StreamDecoder> decoder, const Redactor* redactor)
      : splitter_(decoder->NewSplitter()),
        decoder_(std::move(decoder)),
        redactor_(redactor),
        redact_(redactor) {}

  // Reads `bytes`: whether the decoder found new text or tool-call pieces (to time the first
  // output by), and what of them may be passed on now, redacted, in `*clean`.
  bool Feed(std::string_view bytes, StreamDelta* clean);
  // The stream ended: the redacted tails kept back, not yet passed on.
  StreamDelta Finish();

  // What the events said: text and calls so far, finish reason, usage, and whether the final
  // event came or an error event ended it.
  const StreamState& state() const { return state_; }
  // The redacted text and tool calls passed on so far.
  const std::string& relayed() const { return relayed_; }
  const std::vector<ToolCall>& relayed_calls() const { return relayed_calls_; }

 private:
  void Pass(const StreamDelta& raw, StreamDelta* clean);

  std::unique_ptr<EventSplitter> splitter_;
  std::unique_ptr<StreamDecoder> decoder_;
  const Redactor* redactor_;
  StreamState state_;
  Redactor::Stream redact_;
  std::vector<Redactor::Stream> redact_calls_;  // one per tool call's arguments
  std::string relayed_;
  std::vector<ToolCall> relayed_calls_;
};

// A stream cut short may lack the provider's usage: fills what is missing from estimates
// (the prompt sent at `input_estimate` tokens) and returns the note that says so, for the
// attempt's reason ("" when the provider reported it all).
std::string EstimateUsage(int64_t input_estimate, Answer* a);

}  // namespace switchyard
