#include "prompt/token_estimate.h"

namespace switchyard {

int64_t EstimateTextTokens(std::string_view text) {
  // One pass, branch-free so it vectorises: a 100 KB prompt is estimated in microseconds.
  int64_t ascii = 0;
  int64_t lead = 0;  // first bytes of multi-byte characters
  for (unsigned char c : text) {
    ascii += c < 0x80;
    lead += c >= 0xC0;
  }
  return (ascii + 3) / 4 + lead;
}

int64_t EstimatePromptTokens(const std::vector<Message>& messages) {
  int64_t n = kTokensPerPrompt;
  for (const Message& m : messages) n += kTokensPerMessage + EstimateTextTokens(m.content);
  return n;
}

}  // namespace switchyard
