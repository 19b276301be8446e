// Response bodies in the providers' real wire formats (see shared/fixtures/providers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fake {

enum class Api { kOpenAI, kAnthropic };

struct AnswerSpec {
  std::string model;
  std::string content;
  std::string finish;  // "stop"/"length" style; translated for Anthropic
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  uint64_t serial = 0;
};

std::string AnswerBody(Api api, const AnswerSpec& a);

// An error body as the provider sends it for `status`; `kind` "context" gives the
// context-length wording, "auth" the invalid-key one.
std::string ErrorBody(Api api, int status, std::string_view kind);

}  // namespace fake
