// libFuzzer target: bytes from a client socket, as the daemon reads them. The first byte
// picks where the stream is split, so frames arriving in pieces are covered too.
#include <cstddef>
#include <cstdint>

#include "protocol/codec.h"
#include "protocol/frame_reader.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t split = data[0] % size;
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  size_t n = size - 1;
  FrameLimits limits;
  limits.max_frame_bytes = 1 << 20;
  FrameReader reader(limits);
  auto on_frame = [](msgpack::object_handle&& oh) {
    const msgpack::object& o = oh.get();
    Envelope env;
    if (ParseEnvelope(o, &env).ok() && env.arg) {
      CompleteRequest req;
      (void)DecodeCompleteRequest(env.arg, &req);
      StreamChunk chunk;
      (void)DecodeChunk(*env.arg, &chunk);
    }
    // The client's decoders read the daemon's answers: garbage must not crash them either.
    CompleteResult result;
    (void)DecodeCompleteResult(o, &result);
    StatusResult status;
    (void)DecodeStatusResult(o, &status);
    RpcError error;
    (void)DecodeError(o, &error);
  };
  if (!reader.Feed(bytes, split < n ? split : n, on_frame).ok()) return 0;
  if (split < n) (void)reader.Feed(bytes + split, n - split, on_frame);
  return 0;
}
