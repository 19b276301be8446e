// Tool calls streamed as content blocks, as Anthropic (tool_use) and Bedrock (toolUse) stream
// them: a block opens a call with its id and name, pieces of its input follow under the
// block's index, and the block's end closes it. Block indexes count text blocks too; calls
// are renumbered 0, 1, ... among calls, as OpenAI numbers them. The answer tool's call (a
// json_schema request's, wire/anthropic_messages.h) is the answer: its input streams as text,
// or, when wrapped, comes whole as text when its block ends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wire/anthropic_messages.h"
#include "wire/stream_decoder.h"

namespace switchyard {

class ToolBlocks {
 public:
  explicit ToolBlocks(AnswerTool answer) : answer_(std::move(answer)) {}

  void Open(int64_t block, std::string_view id, std::string_view name, StreamState* s,
            StreamDelta* delta);
  void Piece(int64_t block, std::string_view piece, StreamState* s, StreamDelta* delta);
  void Close(int64_t block, StreamState* s, StreamDelta* delta);
  // The finish reason for a provider's `reason`: the answer tool's call alone is "stop".
  std::string Finish(std::string reason, const StreamState& s) const {
    return answer_block_ >= 0 && s.answer.tool_calls.empty() ? "stop" : reason;
  }

 private:
  AnswerTool answer_;
  int64_t answer_block_ = -1;         // the block of the answer tool's call, if one came
  std::string answer_json_;           // its input, when wrapped
  std::vector<int64_t> call_blocks_;  // the block of each tool call, in order
};

}  // namespace switchyard
