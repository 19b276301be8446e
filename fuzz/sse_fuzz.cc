// libFuzzer target: a streamed answer's bytes, split at a place the first byte picks, through
// the SSE parser and both providers' stream decoders (Anthropic's also as the answer to a
// json_schema request, whose answer tool's input is unwrapped into text).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wire/sse.h"
#include "wire/stream_decoder.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t split = bytes.empty() ? 0 : data[0] % bytes.size();
  CompleteRequest req;
  if (data[0] & 2) req.json_schema.schema = (data[0] & 4) ? R"({"type":"object"})" : "{}";
  auto decoder = (data[0] & 1) ? MakeAnthropicStreamDecoder(req) : MakeOpenAIStreamDecoder();
  SseParser parser;
  StreamState state;
  std::string text;
  std::vector<ToolCall> calls;
  auto on_event = [&](const SseEvent& e) {
    StreamDelta d;
    decoder->OnEvent(e, &state, &d);
    text += d.text;
    for (const ToolCallDelta& c : d.tool_calls) {
      // Calls are numbered 0, 1, ... in order: a piece is for a call already opened, or
      // opens the next one.
      if (c.index < 0 || c.index > static_cast<int64_t>(calls.size())) __builtin_trap();
      ApplyToolCallDelta(c, &calls);
    }
  };
  parser.Feed(bytes.substr(0, split), on_event);
  parser.Feed(bytes.substr(split), on_event);
  // What was relayed is exactly what the answer holds.
  if (text != state.answer.content) __builtin_trap();
  if (calls.size() != state.answer.tool_calls.size()) __builtin_trap();
  for (size_t i = 0; i < calls.size(); ++i) {
    if (calls[i].arguments != state.answer.tool_calls[i].arguments) __builtin_trap();
  }
  return 0;
}
