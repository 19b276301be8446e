#include "prompt/token_estimate.h"

#include <cstdint>
#include <cstring>

namespace switchyard {

int64_t EstimateTextTokens(std::string_view text) {
  // Eight bytes at a time: a 100 KB prompt is estimated in microseconds, and a short one on
  // every request costs next to nothing. A byte is ASCII when its top bit is clear, and the
  // first of a multi-byte character when its top two bits are set (>= 0xC0).
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  // How many bytes of `w` have their top bit set: each is moved to its byte's bottom bit,
  // and the multiply sums the eight bytes into the top one.
  auto count_highs = [](uint64_t w) {
    return static_cast<int64_t>((((w & kHighs) >> 7) * kOnes) >> 56);
  };
  int64_t ascii = 0;
  int64_t lead = 0;
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    ascii += 8 - count_highs(w);
    lead += count_highs(w & (w << 1));
  }
  for (; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    ascii += c < 0x80;
    lead += c >= 0xC0;
  }
  return (ascii + 3) / 4 + lead;
}

int64_t EstimateMessageTokens(const Message& m) {
  int64_t n = kTokensPerMessage + EstimateTextTokens(m.content);
  for (const ContentPart& p : m.parts) {
    if (p.kind == ContentPart::Kind::kText) {
      n += EstimateTextTokens(p.text);
    } else {
      n += p.detail == "low" ? kTokensPerLowDetailImage : kTokensPerImage;
    }
  }
  for (const ToolCall& c : m.tool_calls) {
    n += kTokensPerTool + EstimateTextTokens(c.name) + EstimateTextTokens(c.arguments);
  }
  return n;
}

int64_t EstimatePromptTokens(const std::vector<Message>& messages) {
  int64_t n = kTokensPerPrompt;
  for (const Message& m : messages) n += EstimateMessageTokens(m);
  return n;
}

int64_t EstimateToolTokens(const CompleteRequest& req) {
  int64_t n = 0;
  for (const Tool& t : req.tools) {
    n += kTokensPerTool + EstimateTextTokens(t.name) + EstimateTextTokens(t.description) +
         EstimateTextTokens(t.parameters);
  }
  if (!req.json_schema.schema.empty()) {
    n += kTokensPerTool + EstimateTextTokens(req.json_schema.schema);
  }
  return n;
}

int64_t EstimateRequestTokens(const CompleteRequest& req) {
  return EstimatePromptTokens(req.messages) + EstimateToolTokens(req);
}

}  // namespace switchyard
