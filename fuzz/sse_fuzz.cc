// libFuzzer target: a streamed answer's bytes, split at a place the first byte picks, through
// the SSE parser and both providers' stream decoders (Anthropic's also as the answer to a
// json_schema request, whose answer tool's input is unwrapped into text).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "relay_check.h"
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
  RelayCheck check(decoder.get());
  auto on_event = [&](const SseEvent& e) { check.On(e); };
  parser.Feed(bytes.substr(0, split), on_event);
  parser.Feed(bytes.substr(split), on_event);
  check.Verify();
  return 0;
}
