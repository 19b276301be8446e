#include "front/api_key_check.h"

namespace switchyard {

bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

bool CarriesKey(const HttpRequestIn& req, const std::string& key) {
  if (key.empty()) return true;
  if (const std::string* k = req.Header("x-api-key")) return SameSecret(*k, key);
  const std::string* auth = req.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!auth || auth->size() <= kBearer.size() || auth->compare(0, kBearer.size(), kBearer) != 0) {
    return false;
  }
  return SameSecret(std::string_view(*auth).substr(kBearer.size()), key);
}

}  // namespace switchyard
