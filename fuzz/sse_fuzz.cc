// libFuzzer target: a streamed answer's bytes, split at a place the first byte picks, through
// the SSE parser and both providers' stream decoders.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "providers/sse.h"
#include "providers/stream_decoder.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t split = bytes.empty() ? 0 : data[0] % bytes.size();
  auto decoder = (data[0] & 1) ? MakeAnthropicStreamDecoder() : MakeOpenAIStreamDecoder();
  SseParser parser;
  StreamState state;
  std::string text;
  auto on_event = [&](const SseEvent& e) { decoder->OnEvent(e, &state, &text); };
  parser.Feed(bytes.substr(0, split), on_event);
  parser.Feed(bytes.substr(split), on_event);
  // What was relayed is exactly what the answer holds.
  if (text != state.answer.content) __builtin_trap();
  return 0;
}
