// libFuzzer target: a request body as the Anthropic-compatible door reads it (messages and
// count_tokens). Whatever it accepts must become a valid JSON body for both wire formats it
// may be sent in (a cache_control, a thinking object or a tool input that broke the JSON
// would fail every tier), and the answer and stream written back from what it holds must be
// valid JSON too.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "wire/anthropic_messages.h"
#include "wire/openai_chat.h"

using namespace switchyard;

namespace {

bool IsJson(std::string_view body) {
  static simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(body.data(), body.size()).get(doc) == simdjson::SUCCESS;
}

// Every event's data is JSON.
bool EventsAreJson(const std::string& sse) {
  size_t at = 0;
  while ((at = sse.find("data: ", at)) != std::string::npos) {
    size_t end = sse.find("\n\n", at);
    if (end == std::string::npos || !IsJson(std::string_view(sse).substr(at + 6, end - at - 6))) {
      return false;
    }
    at = end;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  MessagesRequest counted;
  (void)ParseAnthropicMessages(body, &counted, {}, true);
  MessagesRequest m;
  if (!ParseAnthropicMessages(body, &m).ok()) return 0;
  const CompleteRequest& req = m.req;
  if (!IsJson(EncodeOpenAIRequest("m", req, req.messages, 16))) __builtin_trap();
  if (!IsJson(EncodeAnthropicRequest("m", req, req.messages, 16))) __builtin_trap();
  (void)ReasoningEffortOf(req.thinking);
  // The request's history as an answer: its last text and every call it holds.
  CompleteResult r;
  r.model = req.route;
  r.content = TextOf(req.messages.back());
  StreamDelta d;
  d.text = r.content;
  for (const Message& msg : req.messages) {
    for (const ToolCall& c : msg.tool_calls) {
      d.tool_calls.push_back({static_cast<int64_t>(r.tool_calls.size()), c.id, c.name, ""});
      d.tool_calls.push_back({static_cast<int64_t>(r.tool_calls.size()), "", "", c.arguments});
      r.tool_calls.push_back(c);
    }
  }
  if (!IsJson(AnthropicMessageJson(r))) __builtin_trap();
  AnthropicStreamWriter w("msg", req.route);
  std::string sse = w.Start(1) + w.Delta(d) + w.Finish("tool_calls", {});
  if (!EventsAreJson(sse)) __builtin_trap();
  return 0;
}
