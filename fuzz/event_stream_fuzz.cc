// libFuzzer target: Bedrock's ConverseStream bytes, split where the first byte says, through
// AWS's event-stream framing (wire/aws_event_stream.h) and Bedrock's stream decoder (bit 0 of
// the first byte: as the answer to a json_schema request). A message the framing hands on
// must frame again to itself, and the decoder's deltas must add up to its answer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "relay_check.h"
#include "wire/aws_event_stream.h"
#include "wire/stream_decoder.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t split = bytes.empty() ? 0 : data[0] % bytes.size();

  EventStreamParser framing;
  auto check = [](const EventStreamMessage& m) {
    // Only string headers are kept: re-framed, the message reads back the same.
    std::string again = EncodeEventStreamMessage(m.headers, m.payload);
    EventStreamParser p;
    bool same = false;
    p.Feed(again, [&](const EventStreamMessage& back) {
      same = back.headers == m.headers && back.payload == m.payload;
    });
    if (!same) __builtin_trap();
  };
  framing.Feed(bytes.substr(0, split), check);
  framing.Feed(bytes.substr(split), check);

  CompleteRequest req;
  if (data[0] & 1) req.json_schema.schema = (data[0] & 2) ? R"({"type":"object"})" : "{}";
  auto decoder = MakeBedrockStreamDecoder(req);
  auto splitter = decoder->NewSplitter();
  RelayCheck relay(decoder.get());
  auto on_event = [&](const SseEvent& e) { relay.On(e); };
  splitter->Feed(bytes.substr(0, split), on_event);
  splitter->Feed(bytes.substr(split), on_event);
  relay.Verify();
  return 0;
}
