#include "wire/tool_blocks.h"

namespace switchyard {

void ToolBlocks::Open(int64_t block, std::string_view id, std::string_view name, StreamState* s,
                      StreamDelta* delta) {
  if (!answer_.name.empty() && name == answer_.name) {
    answer_block_ = block;
    return;
  }
  ToolCallDelta d;
  d.index = static_cast<int64_t>(call_blocks_.size());
  d.id.assign(id);
  d.name.assign(name);
  call_blocks_.push_back(block);
  ApplyToolCallDelta(d, &s->answer.tool_calls);
  delta->tool_calls.push_back(std::move(d));
}

void ToolBlocks::Piece(int64_t block, std::string_view piece, StreamState* s, StreamDelta* delta) {
  if (piece.empty()) return;
  if (block == answer_block_) {
    if (answer_.wrapped) {
      answer_json_.append(piece);  // unwrapped whole when the block ends
    } else {
      s->answer.content.append(piece);
      delta->text.append(piece);
    }
    return;
  }
  for (size_t i = 0; i < call_blocks_.size(); ++i) {
    if (call_blocks_[i] != block) continue;
    ToolCallDelta d;
    d.index = static_cast<int64_t>(i);
    d.arguments.assign(piece);
    ApplyToolCallDelta(d, &s->answer.tool_calls);
    delta->tool_calls.push_back(std::move(d));
    return;
  }
}

void ToolBlocks::Close(int64_t block, StreamState* s, StreamDelta* delta) {
  if (block != answer_block_ || !answer_.wrapped) return;
  std::string text = UnwrapAnswer(answer_json_, true);
  s->answer.content.append(text);
  delta->text.append(text);
}

}  // namespace switchyard
