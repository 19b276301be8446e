#include "answer/answer_checks.h"

#include <simdjson.h>

#include "answer/answer_schemas.h"
#include "chat/chat.h"

namespace switchyard {
namespace {

bool IsJson(std::string_view text) {
  // The answer is padded into its own buffer: text views point into larger strings whose
  // tails are not ours to read.
  simdjson::padded_string copy(text);
  static thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(copy).get(doc) == simdjson::SUCCESS;
}

// Models often wrap JSON in a markdown fence even in JSON mode; the fence is not the answer.
std::string_view StripFence(std::string_view t) {
  auto trim = [](std::string_view s) {
    while (!s.empty() &&
           (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
      s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
      s.remove_suffix(1);
    return s;
  };
  t = trim(t);
  if (t.substr(0, 3) != "```" || t.size() < 6 || t.substr(t.size() - 3) != "```") return t;
  size_t nl = t.find('\n');
  if (nl == std::string_view::npos) return t;
  return trim(t.substr(nl + 1, t.size() - 3 - (nl + 1)));
}

}  // namespace

bool HasDegenerateRepetition(std::string_view text, int min_repeats, size_t min_bytes) {
  constexpr size_t kTail = 8192;
  constexpr size_t kMaxPeriod = 256;
  if (text.size() < min_bytes) return false;
  if (text.size() > kTail) text = text.substr(text.size() - kTail);
  const size_t n = text.size();
  // For each period p, how far back from the end text[i] == text[i - p] holds: that run plus
  // p is the length of the repeating tail.
  for (size_t p = 1; p <= kMaxPeriod && p * 2 <= n; ++p) {
    size_t run = 0;
    for (size_t i = n; i-- > p;) {
      if (text[i] != text[i - p]) break;
      ++run;
    }
    size_t span = run + p;
    if (span >= min_bytes && span >= p * static_cast<size_t>(min_repeats)) return true;
  }
  return false;
}

AnswerVerdict CheckAnswer(const AnswerFacts& a, const AnswerChecks& checks) {
  bool calls = a.tool_calls && !a.tool_calls->empty();
  if (checks.empty && a.content.empty() && !calls && a.output_tokens == 0) {
    return {AnswerProblem::kEmpty, "answer has no text and no output tokens"};
  }
  if (checks.content_filter && a.finish_reason == "content_filter") {
    return {AnswerProblem::kContentFilter, "the provider's content filter stopped the answer"};
  }
  if (checks.length && a.finish_reason == "length" && !a.length_stop_allowed) {
    return {AnswerProblem::kLength, "answer cut off at the token limit after " +
                                        std::to_string(a.output_tokens) +
                                        " tokens (allow_length_stop was not set)"};
  }
  if (calls && checks.tool_calls) {
    AnswerVerdict v = a.schemas
                          ? a.schemas->CheckToolCalls(*a.tool_calls)
                          : AnswerVerdict{AnswerProblem::kInvalidToolCall,
                                          "a tool call came back and the request offered no tools"};
    if (v.problem != AnswerProblem::kNone) return v;
  }
  // A turn that calls tools carries no answer to check as JSON.
  if (checks.json && a.json_requested && !calls && !IsJson(StripFence(a.content))) {
    return {AnswerProblem::kInvalidJson, "a JSON answer was asked for and this is not valid JSON"};
  }
  if (checks.schema && a.schemas && !calls) {
    AnswerVerdict v = a.schemas->CheckAnswer(StripFence(a.content));
    if (v.problem != AnswerProblem::kNone) return v;
  }
  if (checks.repetition && HasDegenerateRepetition(a.content)) {
    return {AnswerProblem::kRepetition, "answer ends in the same passage repeated over and over"};
  }
  return {};
}

}  // namespace switchyard
