// libFuzzer target: a configuration file's text.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Config cfg;
  (void)ParseConfig(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.toml", &cfg);
  return 0;
}
