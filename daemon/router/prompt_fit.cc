#include "router/prompt_fit.h"

#include <algorithm>

#include "prompt/fit_prompt.h"
#include "prompt/token_estimate.h"

namespace switchyard {

bool FitToModel(const ModelConfig& m, const CompleteRequest& req, int64_t raw_tokens,
                int64_t refused_window, ContextOverflow on_overflow,
                const TokenCalibration& calibration, FittedPrompt* p, std::string* why) {
  p->max_tokens = std::min(req.max_tokens, m.max_output_tokens);
  p->est_tokens = raw_tokens;
  if (refused_window > 0 && m.context_window <= refused_window) {
    *why = "a model with a " + std::to_string(refused_window) +
           "-token window already refused this prompt as too long";
    return false;
  }
  int64_t budget = m.context_window - p->max_tokens;
  int64_t tokens = calibration.Scale(m.name, raw_tokens);
  p->tokens_before = p->tokens_after = tokens;
  if (tokens <= budget) return true;
  std::string need = "~" + std::to_string(tokens) + " prompt tokens + " +
                     std::to_string(p->max_tokens) + " for the answer exceed its " +
                     std::to_string(m.context_window) + "-token window";
  if (on_overflow == ContextOverflow::kSkip) {
    *why = need;
    return false;
  }
  // The tools go with every call whatever is cut: the messages get what they leave.
  int64_t fixed = EstimateToolTokens(req);
  FitResult fit =
      FitPrompt(req.messages, budget - calibration.Scale(m.name, fixed), calibration.Ratio(m.name));
  if (!fit.fits) {
    *why = need + ", and shortening the prompt cannot make it fit";
    return false;
  }
  p->truncated = true;
  p->truncation.tokens_before = fit.tokens_before;
  p->truncation.tokens_after = p->tokens_after = fit.tokens_after;
  p->truncation.dropped_messages = fit.dropped_messages;
  p->truncation.cut_chars = fit.cut_chars;
  p->messages = std::move(fit.messages);
  p->est_tokens = EstimatePromptTokens(p->messages) + fixed;
  return true;
}

}  // namespace switchyard
