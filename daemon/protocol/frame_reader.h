// Splits a byte stream from one connection into MessagePack frames, enforcing limits before
// memory is committed: msgpack-c's unpack_limit rejects an array or map header that claims
// more elements than allowed (five bytes could otherwise ask for gigabytes), and a frame
// that grows past max_frame_bytes is refused while still incomplete.
#pragma once

#include <cstddef>
#include <functional>
#include <msgpack.hpp>
#include <utility>

#include "base/status.h"

namespace switchyard {

struct FrameLimits {
  size_t max_frame_bytes = 8 << 20;
  size_t max_array = 100000;  // elements in one array (messages of a conversation, ...)
  size_t max_map = 1024;      // pairs in one map (metadata, ...)
  size_t max_depth = 16;      // nesting of arrays and maps
};

class FrameReader {
 public:
  using FrameFn = std::function<void(msgpack::object_handle&&)>;

  explicit FrameReader(const FrameLimits& limits);
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  // Space to read at least `hint` more bytes into, so the socket reads straight into the
  // decoder's buffer. Valid until the next call.
  std::pair<char*, size_t> Buffer(size_t hint);

  // Takes `n` bytes just written into Buffer() and calls `on_frame` for each complete frame.
  // The object_handle owns its memory (strings point into buffers it keeps alive). An error
  // means the stream is unusable: the connection must be closed.
  Status Commit(size_t n, const FrameFn& on_frame);

  // Copies `data` in and decodes, for callers that already hold the bytes.
  Status Feed(const char* data, size_t n, const FrameFn& on_frame);

  // Whether part of a frame has arrived and the rest has not.
  bool mid_frame() const { return unpacker_.message_size() > 0; }

 private:
  FrameLimits limits_;
  msgpack::unpacker unpacker_;
};

}  // namespace switchyard
