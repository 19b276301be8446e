// Partial failures: a 200 whose answer is still no good. Each check can be switched off per
// route; the router turns a failed check into a fallback with the check's own outcome.
// Pure functions of the answer's text and metadata.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard {

struct AnswerChecks {
  bool empty = true;              // no text and no output tokens
  bool length = true;             // stopped by the token limit, and the client did not allow it
  bool content_filter = true;     // stopped by the provider's content filter
  bool incomplete_stream = true;  // a stream that ended without its final event
  bool json = true;               // a json request whose answer does not parse
  bool repetition = true;         // the same passage over and over
  bool tool_calls = true;         // a tool call that is not JSON, off its schema, or unoffered
  bool schema = true;             // a json_schema answer off its schema
};

enum class AnswerProblem {
  kNone,
  kEmpty,
  kLength,
  kContentFilter,
  kInvalidJson,
  kRepetition,
  kInvalidToolCall,
  kSchemaMismatch,
};

struct AnswerVerdict {
  AnswerProblem problem = AnswerProblem::kNone;
  std::string reason;  // human detail for the attempt and the log
};

class AnswerSchemas;
struct ToolCall;

struct AnswerFacts {
  std::string_view content;
  const std::vector<ToolCall>* tool_calls = nullptr;
  // The request's compiled schemas (answer/answer_schemas.h); null when it has neither tools
  // nor a json_schema.
  const AnswerSchemas* schemas = nullptr;
  std::string_view finish_reason;  // normalised: "stop", "length", "content_filter", ...
  int64_t output_tokens = 0;
  bool json_requested = false;
  bool length_stop_allowed = false;
};

AnswerVerdict CheckAnswer(const AnswerFacts& a, const AnswerChecks& checks);

// True if the tail of `text` is one passage repeated: at least `min_repeats` copies of a
// period of up to 256 bytes, spanning at least `min_bytes`. Looks at the last 8 KB only: a
// model stuck in a loop stays in it until the token limit.
bool HasDegenerateRepetition(std::string_view text, int min_repeats = 10, size_t min_bytes = 200);

}  // namespace switchyard
