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

// Tokens of one message: its text, images, and tool calls, plus its framing.
int64_t EstimateMessageTokens(const Message& m);
// Tokens of a chat prompt: its messages plus the prompt's framing.
int64_t EstimatePromptTokens(const std::vector<Message>& messages);
// Tokens the request's tools and json_schema add to every call (providers put them in the
// prompt), which no shortening of the messages removes.
int64_t EstimateToolTokens(const CompleteRequest& req);
// Tokens of the whole request as the client sent it: its prompt and its tools.
int64_t EstimateRequestTokens(const CompleteRequest& req);

// An image, as OpenAI counts one at high detail up to 1024x1024 (and at low detail); the
// estimate cannot see the image's size, so it takes the usual one.
inline constexpr int64_t kTokensPerImage = 765;
inline constexpr int64_t kTokensPerLowDetailImage = 85;
// A tool's or a call's framing around its name and JSON.
inline constexpr int64_t kTokensPerTool = 8;

// Per-message framing, as OpenAI documents it for its chat format (close for others).
inline constexpr int64_t kTokensPerMessage = 4;
inline constexpr int64_t kTokensPerPrompt = 3;

}  // namespace switchyard
