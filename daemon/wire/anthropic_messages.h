// The Anthropic messages wire format (POST {base}/messages): a CompleteRequest into a
// request body, and an answer back into the chat model. System text is a top-level field;
// tool calls and their results are content blocks; all results answering one assistant turn
// go in one user message, before its text; tool-call ids are mapped to the form Anthropic
// accepts (wire/tool_ids.h). A json_schema answer is asked for as a forced call to one tool
// whose input is the answer, unwrapped back into text on the way in. docs/design.md lists
// what each field becomes. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.h"
#include "wire/outcome.h"

namespace switchyard {

std::string EncodeAnthropicRequest(std::string_view model_id, const CompleteRequest& req,
                                   const std::vector<Message>& messages, int64_t max_tokens);
ParsedResponse DecodeAnthropicResponse(const HttpReply& reply, const CompleteRequest& req);

// Anthropic's stop reasons in the OpenAI-style words the protocol reports.
std::string AnthropicFinishReason(std::string_view stop_reason);

// How a json_schema request is asked of Anthropic: the forced tool's name, and whether the
// schema (not an object at its root, which a tool's input must be) is wrapped as the
// property "value" of one. An empty name: the request has no schema.
struct AnswerTool {
  std::string name;
  bool wrapped = false;
};
AnswerTool AnswerToolOf(const CompleteRequest& req);
// The answer text from the answer tool's `input` (JSON text): itself, or its "value".
std::string UnwrapAnswer(std::string_view input_json, bool wrapped);

}  // namespace switchyard
