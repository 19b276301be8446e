// The input of a target that reads its bytes whole and in two pieces, and must reach the same
// verdict both ways: the first byte says where the split falls, the rest are the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace switchyard {

struct SplitInput {
  std::string_view bytes;
  size_t split = 0;  // 0..bytes.size()
};

// `size` must be at least 1.
inline SplitInput ReadSplitInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  return {bytes, bytes.empty() ? 0 : data[0] % (bytes.size() + 1)};
}

}  // namespace switchyard
