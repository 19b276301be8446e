// libFuzzer target: a request body as the OpenAI-compatible front door reads it. Whatever it
// accepts must become a valid JSON body for both wire formats it may be sent in (a tool id,
// an image or a schema that broke the JSON would fail every tier), and its schemas must
// compile or be refused, never crash; and validating against them must not crash either.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "answer/answer_schemas.h"
#include "wire/anthropic_messages.h"
#include "wire/openai_chat.h"

using namespace switchyard;

namespace {

bool IsJson(const std::string& body) {
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(body).get(doc) == simdjson::SUCCESS;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  ChatCompletionRequest chat;
  if (!ParseChatCompletion(body, &chat).ok()) return 0;
  const CompleteRequest& req = chat.req;
  std::shared_ptr<const AnswerSchemas> schemas;
  if (!CheckToolArguments(req).ok() || !AnswerSchemas::For(req, &schemas).ok()) return 0;
  if (!IsJson(EncodeOpenAIRequest("m", req, req.messages, 16))) __builtin_trap();
  if (!IsJson(EncodeAnthropicRequest("m", req, req.messages, 16))) __builtin_trap();
  // The request's own bytes as a model's answer and as each tool's arguments: the validator
  // meets hostile JSON against the schemas it was just given.
  if (schemas) {
    (void)schemas->CheckAnswer(body);
    std::vector<ToolCall> calls;
    for (const Tool& t : req.tools) calls.push_back({"c", t.name, std::string(body)});
    (void)schemas->CheckToolCalls(calls);
  }
  return 0;
}
