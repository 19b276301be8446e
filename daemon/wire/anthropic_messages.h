// The Anthropic messages wire format, in both directions. As Anthropic providers are called
// (POST {base}/messages): a CompleteRequest into a request body, and an answer back into the
// chat model. As the HTTP front door speaks it (POST /v1/messages): a request body into a
// CompleteRequest (its `model` names a route), and a result back into a message object or
// its stream of events. System text is a top-level field;
// tool calls and their results are content blocks; all results answering one assistant turn
// go in one user message, before its text; tool-call ids are mapped to the form Anthropic
// accepts (wire/tool_ids.h). A json_schema answer is asked for as a forced call to one tool
// whose input is the answer, unwrapped back into text on the way in. docs/design.md lists
// what each field becomes. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "protocol/messages.h"
#include "wire/door_headers.h"
#include "wire/outcome.h"
#include "wire/stream_decoder.h"

namespace switchyard {

std::string EncodeAnthropicRequest(std::string_view model_id, const CompleteRequest& req,
                                   const std::vector<Message>& messages, int64_t max_tokens);
ParsedResponse DecodeAnthropicResponse(const HttpReply& reply, const CompleteRequest& req);

// The reasoning_effort an OpenAI reasoning model gets for Anthropic's `thinking` (JSON):
// "low" below a budget of 4,096 tokens, "medium" below 16,384, else "high"; "" when
// thinking is disabled.
std::string ReasoningEffortOf(std::string_view thinking);

// Anthropic's stop reasons in the OpenAI-style words the protocol reports.
std::string AnthropicFinishReason(std::string_view stop_reason);

// How a json_schema request is asked of Anthropic: the forced tool's name, and whether the
// schema (not an object at its root, which a tool's input must be) is wrapped as the
// property "value" of one. An empty name: the request has no schema.
struct AnswerTool {
  std::string name;
  bool wrapped = false;
};
AnswerTool AnswerToolOf(const CompleteRequest& req);
// The answer tool's input schema: the request's, or it wrapped as the property "value".
std::string AnswerToolSchema(const CompleteRequest& req, const AnswerTool& answer);
inline constexpr const char* kAnswerToolDescription =
    "Give the answer: its input is the whole answer, nothing else.";
// The answer text from the answer tool's `input` (JSON text): itself, or its "value".
std::string UnwrapAnswer(std::string_view input_json, bool wrapped);

// --- The door: requests in, answers out.

struct MessagesRequest {
  CompleteRequest req;
  // Fields accepted that switchyard does not act on (service_tier): said in the answer's
  // x-switchyard-ignored header, never dropped unsaid.
  std::vector<std::string> ignored;
};

// Parses a request body and checks it with `headers` (the same rules as the MessagePack
// `complete`); errors name the field. `count_only`: a count_tokens body, where max_tokens
// is not required.
Status ParseAnthropicMessages(std::string_view body, MessagesRequest* out,
                              const ChatHeaders& headers = {}, bool count_only = false);

// The message object for result `r`: text and tool_use blocks, stop_reason, usage.
std::string AnthropicMessageJson(const CompleteResult& r);
// A finish reason of the protocol in Anthropic's words: "stop" is "end_turn", "length"
// "max_tokens", "tool_calls" "tool_use", "content_filter" "refusal".
std::string_view AnthropicStopReason(std::string_view finish_reason);

// A result written as Anthropic's stream of events, piece by piece: message_start (and a
// ping) before the first delta; a content block per text run and per tool call, numbered
// in order of appearance whatever the tool call's own index; message_delta and
// message_stop at the end. Each call returns the events to write, "event: ...\ndata: ...".
class AnthropicStreamWriter {
 public:
  AnthropicStreamWriter(std::string id, std::string model)
      : id_(std::move(id)), model_(std::move(model)) {}
  std::string Start(int64_t input_tokens);
  std::string Delta(const StreamDelta& d);
  std::string Finish(std::string_view finish_reason, const Usage& usage);
  // An error after the stream began: the event Anthropic sends, and nothing after it.
  static std::string ErrorEvent(std::string_view type, std::string_view message);
  // A ping, as an open stream carries now and then.
  static std::string PingEvent();

 private:
  std::string CloseBlock();
  std::string OpenBlock(const std::string& json);

  std::string id_;
  std::string model_;
  int64_t next_block_ = 0;
  int64_t open_block_ = -1;  // -1: none
  bool open_is_text_ = false;
  std::vector<int64_t> tool_blocks_;  // block of each tool call, by its index
};

// {"type": "error", "error": {"type", "message"}}
std::string AnthropicErrorJson(std::string_view type, std::string_view message);
// The HTTP status and Anthropic error type for one of switchyard's errors: 529
// overloaded_error when every tier was overloaded or rate limited, 429 when they were all
// rate limited; see docs/design.md for the rest.
struct AnthropicError {
  int status;
  const char* type;
};
AnthropicError AnthropicErrorOf(const RpcError& e);
AnthropicError AnthropicErrorOfStatus(int http_status);

}  // namespace switchyard
