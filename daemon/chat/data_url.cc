#include "chat/data_url.h"

namespace switchyard {

bool ParseDataUrl(std::string_view url, DataUrl* out) {
  constexpr std::string_view kScheme = "data:";
  constexpr std::string_view kBase64 = ";base64,";
  if (url.substr(0, kScheme.size()) != kScheme) return false;
  size_t mark = url.find(kBase64);
  if (mark == std::string_view::npos) return false;
  out->media_type.assign(url.substr(kScheme.size(), mark - kScheme.size()));
  out->data.assign(url.substr(mark + kBase64.size()));
  return !out->media_type.empty();
}

std::string MakeDataUrl(std::string_view media_type, std::string_view base64) {
  std::string url;
  url.reserve(media_type.size() + base64.size() + 13);
  url.append("data:").append(media_type).append(";base64,").append(base64);
  return url;
}

}  // namespace switchyard
