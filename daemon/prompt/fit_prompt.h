// Shortening a chat prompt to fit a model's context window: keep every system message and
// the newest message, drop the oldest turns first, and only then cut the middle out of the
// longest message left. Pure; the router decides when to call it and what to do if even
// that cannot fit.
#pragma once

#include <cstdint>
#include <vector>

#include "protocol/messages.h"

namespace switchyard {

struct FitResult {
  bool fits = true;        // false: even shortened it does not fit; the model must be skipped
  bool truncated = false;  // `messages` holds the shortened prompt
  int64_t tokens_before = 0;  // calibrated estimates of the prompt as given and as sent
  int64_t tokens_after = 0;
  int64_t dropped_messages = 0;
  int64_t cut_chars = 0;  // bytes cut out of the middle of messages
  std::vector<Message> messages;  // only when truncated; otherwise send the original
};

// Fits `messages` into `budget` tokens (the window less the answer's max_tokens), where a
// raw estimate times `ratio` is the model's calibrated count. Copies nothing when the prompt
// already fits.
FitResult FitPrompt(const std::vector<Message>& messages, int64_t budget, double ratio);

}  // namespace switchyard
