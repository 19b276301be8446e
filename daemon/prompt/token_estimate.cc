#include "prompt/token_estimate.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace switchyard {

namespace {

constexpr uint64_t kHighs = 0x8080808080808080ULL;
constexpr uint64_t kEvenBytes = 0x00FF00FF00FF00FFULL;

// A 1 in the bottom bit of each byte of `w` whose top bit is set.
constexpr uint64_t Highs(uint64_t w) { return (w & kHighs) >> 7; }

// The eight bytes of `counts` (each a count up to 255) summed: pairs into 16-bit lanes, then
// the multiply adds the four lanes into the top one.
int64_t SumBytes(uint64_t counts) {
  uint64_t pairs = (counts & kEvenBytes) + ((counts >> 8) & kEvenBytes);
  return static_cast<int64_t>((pairs * 0x0001000100010001ULL) >> 48);
}

}  // namespace

int64_t EstimateTextTokens(std::string_view text) {
  // Eight bytes at a time: a 100 KB prompt is estimated in microseconds, and a short one on
  // every request costs next to nothing. A byte is ASCII when its top bit is clear, and the
  // first of a multi-byte character when its top two bits are set (>= 0xC0). Each byte of a
  // word counts on its own, up to 255 words, before the counts are summed.
  int64_t ascii = 0;
  int64_t lead = 0;
  size_t i = 0;
  while (size_t words = std::min<size_t>((text.size() - i) / 8, 255)) {
    uint64_t highs = 0;
    uint64_t leads = 0;
    for (size_t end = i + 8 * words; i < end; i += 8) {
      uint64_t w;
      std::memcpy(&w, text.data() + i, 8);
      highs += Highs(w);
      leads += Highs(w & (w << 1));
    }
    ascii += static_cast<int64_t>(8 * words) - SumBytes(highs);
    lead += SumBytes(leads);
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
