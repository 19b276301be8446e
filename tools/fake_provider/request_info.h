// What the fake provider reads of a request, in either wire format: enough to answer as the
// real provider would (a tool call when tools are offered, the result's text after a tool
// turn, an answer that follows a json_schema) and to count what it was sent.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <vector>

#include "answers.h"

namespace fake {

struct OfferedTool {
  std::string name;
  std::string schema;  // JSON Schema text; "" when none
};

struct RequestInfo {
  std::string model = "unknown";
  bool stream = false;
  int64_t max_tokens = 256;
  int64_t prompt_bytes = 0;
  std::string last_user;  // the last user text, up to 60 bytes
  int64_t images = 0;     // in the last user message
  std::vector<OfferedTool> tools;
  std::string forced_tool;         // tool_choice naming one function (Anthropic: {type: tool})
  bool tools_off = false;          // tool_choice none
  bool after_tool_result = false;  // the last message carries tool results
  std::string tool_result;         // their text, joined
  std::string json_schema;         // OpenAI's response_format json_schema, as JSON text
};

// Gemini and Bedrock name the model (and whether to stream) in the path, which the caller
// fills in.
RequestInfo ReadRequest(Api api, simdjson::dom::element doc);
RequestInfo ReadGeminiRequest(simdjson::dom::element doc);
RequestInfo ReadBedrockRequest(simdjson::dom::element doc);

// A JSON value that follows `schema` (JSON text): every required property, with the first
// enum value, a string "fake", the number 1, true, or an example of the items.
std::string ExampleFor(const std::string& schema);

}  // namespace fake
