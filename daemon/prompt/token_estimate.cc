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
