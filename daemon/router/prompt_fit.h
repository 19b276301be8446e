// A request's prompt fitted to one model before a call: the answer's tokens clamped to the
// model's maximum, the prompt's tokens estimated (calibrated per model), and, when prompt and
// answer would overflow the model's window, the prompt shortened (the route says
// `on_context_overflow = "truncate"`) or the model skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "prompt/token_calibration.h"
#include "protocol/messages.h"

namespace switchyard {

struct FittedPrompt {
  int64_t max_tokens = 0;
  int64_t est_tokens = 0;     // uncalibrated estimate of what is sent
  int64_t tokens_before = 0;  // calibrated estimates of the prompt as given and as sent
  int64_t tokens_after = 0;
  bool truncated = false;
  Truncation truncation;
  std::vector<Message> messages;  // when truncated; else the request's own are sent
};

// Fits `req` (whose uncalibrated estimate is `raw_tokens`) to `model`. False, with `why`,
// when the model must be skipped: it does not fit and may not be shortened, cannot be, or a
// model with a window no larger (`refused_window`, 0: none) already said it is too long.
bool FitToModel(const ModelConfig& model, const CompleteRequest& req, int64_t raw_tokens,
                int64_t refused_window, ContextOverflow on_overflow,
                const TokenCalibration& calibration, FittedPrompt* out, std::string* why);

}  // namespace switchyard
