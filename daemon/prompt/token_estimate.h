// A tokenizer-free estimate of how many tokens a prompt costs. Real tokenizers differ per
// model and are megabytes of tables; the estimate only has to be close, because each model's
// calibration (token_calibration.h) scales it by what the provider actually reports.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/messages.h"

namespace switchyard {

// Tokens of one text: about four ASCII bytes per token, one per non-ASCII character (CJK
// scripts run near one token per character; accented Latin costs more than ASCII).
int64_t EstimateTextTokens(std::string_view text);

// Tokens of a chat prompt: its texts plus the few tokens each message's framing costs.
int64_t EstimatePromptTokens(const std::vector<Message>& messages);

// Per-message framing, as OpenAI documents it for its chat format (close for others).
inline constexpr int64_t kTokensPerMessage = 4;
inline constexpr int64_t kTokensPerPrompt = 3;

}  // namespace switchyard
