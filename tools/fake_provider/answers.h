// Response bodies in the providers' real wire formats (see tests/providers/testdata).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fake {

// The wire formats it speaks. Azure is OpenAI's, with its deployments' path, its api-key
// header and its content-filter fields.
enum class Api { kOpenAI, kAnthropic, kGemini, kAzure, kBedrock };

// A function the fake model calls; `arguments` is JSON text (or, to test the daemon's
// checks, not).
struct FakeCall {
  std::string id;
  std::string name;
  std::string arguments;
};

struct AnswerSpec {
  std::string model;
  std::string content;
  std::vector<FakeCall> calls;  // finish "tool_calls" (Anthropic: stop_reason tool_use)
  std::string finish;           // "stop"/"length" style; translated for Anthropic
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  uint64_t serial = 0;
};

std::string AnswerBody(Api api, const AnswerSpec& a);

// A streamed answer as the provider's server-sent events, each a complete "event:/data:"
// block. The first `preamble` events carry no text (OpenAI's role chunk; Anthropic's
// message_start, content_block_start and a ping); the last one is the final event
// ([DONE] or message_stop). Tool calls follow the text in each API's own shape, their
// events counted as text events.
struct StreamEvents {
  std::vector<std::string> events;
  size_t preamble = 0;
  size_t text_events = 0;  // after the preamble
};
StreamEvents AnswerStream(Api api, const AnswerSpec& a);

// An error body as the provider sends it for `status`; `kind` "context" gives the
// context-length wording, "auth" the invalid-key one. `echo` (raw JSON string content, see
// KeyEcho) is added to the message.
std::string ErrorBody(Api api, int status, std::string_view kind, std::string_view echo = "");

// The provider's error event in a stream that already began (HTTP 200): OpenAI's
// data: {"error": {...}}, Anthropic's event: error with overloaded_error.
std::string StreamErrorEvent(Api api, std::string_view echo);

// Pieces of about `n` bytes, never splitting a UTF-8 character: how streams carry text.
std::vector<std::string> TextPieces(const std::string& text, size_t n);

// Gemini's and Bedrock's (native_answers.cc), which the functions above hand over to.
// Bedrock's stream events are AWS event-stream messages, binary; its errors name their type
// in the x-amzn-ErrorType header, BedrockErrorType's.
std::string GeminiAnswerBody(const AnswerSpec& a);
StreamEvents GeminiAnswerStream(const AnswerSpec& a);
std::string GeminiErrorBody(int status, std::string_view kind, std::string_view echo);
std::string BedrockAnswerBody(const AnswerSpec& a);
StreamEvents BedrockAnswerStream(const AnswerSpec& a);
std::string BedrockErrorType(int status, std::string_view kind);
std::string BedrockErrorBody(int status, std::string_view kind, std::string_view echo);
std::string BedrockStreamError(std::string_view echo);

// `key` in every form a leak takes, as raw JSON string content (it holds \u escapes).
std::string KeyEcho(std::string_view key);

}  // namespace fake
