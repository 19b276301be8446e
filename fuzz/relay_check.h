// What every stream target checks of a decoder, whatever framed its events: the deltas it
// hands on add up to the answer it keeps, and calls are numbered 0, 1, ... in order (a piece
// is for a call already opened, or opens the next one). A broken promise traps.
#pragma once

#include <string>
#include <vector>

#include "wire/stream_decoder.h"

namespace switchyard {

class RelayCheck {
 public:
  explicit RelayCheck(StreamDecoder* decoder) : decoder_(decoder) {}

  void On(const SseEvent& e) {
    if (state_.failed) return;
    StreamDelta d;
    decoder_->OnEvent(e, &state_, &d);
    text_ += d.text;
    for (const ToolCallDelta& c : d.tool_calls) {
      if (c.index < 0 || c.index > static_cast<int64_t>(calls_.size())) __builtin_trap();
      ApplyToolCallDelta(c, &calls_);
    }
  }

  void Verify() const {
    if (text_ != state_.answer.content) __builtin_trap();
    if (calls_.size() != state_.answer.tool_calls.size()) __builtin_trap();
    for (size_t i = 0; i < calls_.size(); ++i) {
      if (calls_[i].arguments != state_.answer.tool_calls[i].arguments) __builtin_trap();
    }
  }

 private:
  StreamDecoder* decoder_;
  StreamState state_;
  std::string text_;
  std::vector<ToolCall> calls_;
};

}  // namespace switchyard
