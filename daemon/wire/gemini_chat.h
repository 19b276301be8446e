// Google's Gemini API (generateContent), as Gemini providers are called: a CompleteRequest into
// a request body, and its answer or server-sent stream back into the chat model. System text
// is systemInstruction; turns are contents of role user or model, made of parts (text,
// inlineData images, functionCall, functionResponse); tools are functionDeclarations; a
// json_schema answer is asked for with responseMimeType and responseSchema, the schema cut to
// the OpenAPI subset Gemini reads (the answer is still checked against the whole schema).
// Gemini calls carry no ids (newer models' may): a call without one is given
// "call_<responseId>_<n>", and a tool result is sent under the name of the call it answers.
// docs/design.md lists what each field becomes. Pure.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/messages.h"
#include "wire/outcome.h"
#include "wire/stream_decoder.h"

namespace switchyard {

std::string EncodeGeminiRequest(const CompleteRequest& req, const std::vector<Message>& messages,
                                int64_t max_tokens);
ParsedResponse DecodeGeminiResponse(const HttpReply& reply);
std::unique_ptr<StreamDecoder> MakeGeminiStreamDecoder();

// Gemini's finishReason in the protocol's words: STOP "stop", MAX_TOKENS "length", the
// safety and recitation stops "content_filter"; others lower-cased.
std::string GeminiFinishReason(std::string_view finish_reason);

// One GenerateContentResponse read: a whole answer, or one event of a stream (whose events
// each carry a piece of the text, whole calls, and usage so far).
struct GeminiChunk {
  std::string text;             // thoughts left out
  std::vector<ToolCall> calls;  // each whole: Gemini does not stream a call's arguments
  size_t calls_before = 0;      // calls the stream's earlier events gave (numbers new ids)
  std::string finish_reason;    // Gemini's word; "" before the last event
  bool has_usage = false;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;       // thinking included, as it is billed
  Outcome failure = Outcome::kOk;  // an error object, a blocked prompt, a malformed call
  std::string reason;
};
// False, with `failure` and `reason`, when `doc` says the call failed.
bool ReadGeminiChunk(simdjson::dom::element doc, GeminiChunk* out);
void ApplyGeminiChunk(const GeminiChunk& chunk, Answer* a);

// A JSON Schema (text) cut to what Gemini's Schema object takes: its keywords kept, others
// (additionalProperties, $ref, ...) left out, ["T", "null"] types made nullable.
std::string GeminiSchema(std::string_view json_schema);

}  // namespace switchyard
