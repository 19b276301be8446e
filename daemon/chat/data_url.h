// data: URLs, as images travel in OpenAI's image_url parts ("data:image/png;base64,....")
// and must be taken apart for Anthropic's base64 image source and put back together.
#pragma once

#include <string>
#include <string_view>

namespace switchyard {

struct DataUrl {
  std::string media_type;  // "image/png"
  std::string data;        // base64, as sent
};

// Splits a base64 data: URL; false when `url` is not one (an http(s) URL, or a data: URL
// that is not base64).
bool ParseDataUrl(std::string_view url, DataUrl* out);
std::string MakeDataUrl(std::string_view media_type, std::string_view base64);

}  // namespace switchyard
