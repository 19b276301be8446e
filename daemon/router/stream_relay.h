// A streamed call's bytes turned into text for the client: server-sent events, read by the
// provider's decoder, whose text is redacted once more as one text on its way out. A key a
// model echoes arrives a few bytes per event, so the bytes redacted at the door
// (http/redacting_http_client.h) never held it whole; a tail that could be the start of a
// key waits for the next event.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/redactor.h"
#include "providers/sse.h"
#include "providers/stream_decoder.h"

namespace switchyard {

class StreamRelay {
 public:
  // `redactor` must outlive the relay.
  StreamRelay(std::unique_ptr<StreamDecoder> decoder, const Redactor* redactor)
      : decoder_(std::move(decoder)), redact_(redactor) {}

  // Reads `bytes`: the decoder's new text goes to `*text` (to time the first text by), and
  // what of it may be passed on now, redacted, to `*clean`.
  void Feed(std::string_view bytes, std::string* text, std::string* clean);
  // The stream ended: the redacted tail kept back, not yet passed on.
  std::string Finish();

  // What the events said: text so far, finish reason, usage, and whether the final event
  // came or an error event ended it.
  const StreamState& state() const { return state_; }
  // The redacted text passed on so far.
  const std::string& relayed() const { return relayed_; }

 private:
  SseParser parser_;
  std::unique_ptr<StreamDecoder> decoder_;
  StreamState state_;
  Redactor::Stream redact_;
  std::string relayed_;
};

// A stream cut short may lack the provider's usage: fills what is missing from estimates
// (the prompt sent at `input_estimate` tokens) and returns the note that says so, for the
// attempt's reason ("" when the provider reported it all).
std::string EstimateUsage(int64_t input_estimate, Answer* a);

}  // namespace switchyard
