// The OpenAI chat completions wire format, in both directions. As the HTTP front door speaks
// it: a request body into a CompleteRequest (its `model` names a route), and a result back
// into a chat.completion object or chat.completion.chunk events. As OpenAI providers are
// called: a CompleteRequest into a request body, and their answer (or stream, see
// wire/stream_decoder.h) back into an Answer. docs/design.md lists what each field becomes.
// Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "protocol/messages.h"
#include "wire/door_headers.h"
#include "wire/outcome.h"

namespace switchyard {

struct ChatCompletionRequest {
  CompleteRequest req;
  bool include_usage = false;  // stream_options.include_usage
  // Parameters accepted for compatibility that switchyard does not act on (top_p, seed,
  // ...): said in the answer's x-switchyard-ignored header, never dropped unsaid.
  std::vector<std::string> ignored;
};

// Used when a request gives neither max_tokens nor max_completion_tokens.
inline constexpr int64_t kDefaultMaxTokens = 4096;

// Parses a request body and checks it with `headers` (the same rules as the MessagePack
// `complete`); errors name the field: "messages[1].content: expected a string or an array
// of text parts".
Status ParseChatCompletion(std::string_view body, ChatCompletionRequest* out,
                           const ChatHeaders& headers = {});

// The chat.completion object for result `r`; `created` in Unix seconds.
std::string ChatCompletionJson(const CompleteResult& r, int64_t created);

// One chat.completion.chunk of a stream `id`: a piece of text (the first also says the
// role), or, with `finish_reason` set, the last; or, with `usage`, the usage-only chunk.
struct ChunkEvent {
  std::string_view id;
  std::string_view model;
  int64_t created = 0;
  bool first = false;
  std::string_view content;
  std::string_view finish_reason;  // non-empty: the closing chunk
  const Usage* usage = nullptr;    // the usage chunk (no choices)
  // Pieces of tool calls instead of text (OpenAI's delta.tool_calls).
  const std::vector<ToolCallDelta>* tool_calls = nullptr;
};
std::string ChatChunkJson(const ChunkEvent& e);

// The body of a call to an OpenAI-compatible provider: `messages` (the request's, or those
// fitted to the model's window) with the request's tools, output shape and parameters.
std::string EncodeOpenAIRequest(std::string_view model_id, const CompleteRequest& req,
                                const std::vector<Message>& messages, int64_t max_tokens);
// An OpenAI-compatible provider's reply: its answer (text, tool calls, usage), or its error
// classified.
ParsedResponse DecodeOpenAIResponse(const HttpReply& reply);

// {"error": {"message", "type", "code"}}
std::string OpenAIErrorJson(std::string_view message, std::string_view type, std::string_view code);

// The HTTP status and OpenAI error type for one of switchyard's error codes.
struct HttpError {
  int status;
  const char* type;
};
HttpError HttpErrorOf(std::string_view code);

}  // namespace switchyard
