#include "protocol/frame_reader.h"

#include <algorithm>

#include <cstring>
#include <string>

namespace switchyard {

FrameReader::FrameReader(const FrameLimits& limits)
    : limits_(limits),
      unpacker_(nullptr, nullptr, size_t{64} << 10,
                msgpack::unpack_limit(limits.max_array, limits.max_map, limits.max_frame_bytes,
                                      limits.max_frame_bytes, limits.max_frame_bytes,
                                      limits.max_depth)) {}

std::pair<char*, size_t> FrameReader::Buffer(size_t hint) {
  unpacker_.reserve_buffer(hint);
  return {unpacker_.buffer(), unpacker_.buffer_capacity()};
}

Status FrameReader::Commit(size_t n, const FrameFn& on_frame) {
  unpacker_.buffer_consumed(n);
  try {
    msgpack::object_handle oh;
    while (unpacker_.next(oh)) on_frame(std::move(oh));
  } catch (const msgpack::depth_size_overflow&) {
    return Status::InvalidArgument("frame nests deeper than " + std::to_string(limits_.max_depth));
  } catch (const msgpack::array_size_overflow&) {
    return Status::InvalidArgument("array longer than " + std::to_string(limits_.max_array) +
                                   " elements");
  } catch (const msgpack::map_size_overflow&) {
    return Status::InvalidArgument("map larger than " + std::to_string(limits_.max_map) + " pairs");
  } catch (const msgpack::size_overflow&) {
    return Status::InvalidArgument("string or binary larger than " +
                                   std::to_string(limits_.max_frame_bytes) + " bytes");
  } catch (const msgpack::unpack_error& e) {
    return Status::InvalidArgument(std::string("malformed msgpack: ") + e.what());
  } catch (const std::bad_alloc&) {
    return Status::InvalidArgument("frame too large to decode");
  }
  if (unpacker_.message_size() > limits_.max_frame_bytes) {
    return Status::InvalidArgument("frame larger than " + std::to_string(limits_.max_frame_bytes) +
                                   " bytes");
  }
  return Status::Ok();
}

Status FrameReader::Feed(const char* data, size_t n, const FrameFn& on_frame) {
  while (n > 0) {
    size_t chunk = std::min(n, size_t{64} << 10);
    auto [buf, cap] = Buffer(chunk);
    (void)cap;
    std::memcpy(buf, data, chunk);
    SY_RETURN_IF_ERROR(Commit(chunk, on_frame));
    data += chunk;
    n -= chunk;
  }
  return Status::Ok();
}

}  // namespace switchyard
