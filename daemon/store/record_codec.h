// The history queue's records as bytes.
//
// The event loop hands rows to the writer thread in batches. Kept as RequestRecords, every
// batch was a heap of small allocations made by the loop and freed by the writer, and glibc
// frees a block under the lock of the arena that allocated it: a `perf` recording of the
// scheduler caught the loop asleep on its own arena's lock 526 times in one run of the history
// benchmark, up to 1.6 ms at a time, while the writer freed a batch. Encoded into one buffer per
// batch, a record costs the loop a copy of its bytes, the writer frees nothing, and the two buffers
// are reused batch after batch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace switchyard {

// The layout of the records below. They are read back by the process that wrote them, or at
// its next start from its journal (store/history_journal.h), which may be a newer release:
// bump this whenever a field list changes, so that a journal of another layout is skipped
// rather than misread.
inline constexpr uint32_t kRecordFormat = 5;

// Appends one record to `out`.
void EncodeRequest(const RequestRecord& r, std::string* out);
void EncodeTransition(const BreakerTransitionRecord& t, std::string* out);
void EncodeAnswer(const FallbackAnswerRecord& a, std::string* out);
// A probe's attempt: a request record of `request_id`, `route` and `task` whose one attempt is it,
// read back as a kProbe (no requests row, no fallbacks).
void EncodeProbe(int64_t request_id, const std::string& route, const std::string& task,
                 const AttemptRecord& a, std::string* out);

// The records again, as views into the buffer they were read from.
struct AttemptView {
  int64_t ts_ms;
  std::string_view model;
  int64_t latency_ms;
  std::string_view outcome;
  std::string_view reason;
  int64_t http_status;
  int64_t input_tokens;
  int64_t output_tokens;
  double cost_usd;
  int64_t timeout_ms;
  bool stream;
  int64_t ttft_ms;
  bool truncated;
  int64_t tokens_before;
  int64_t tokens_after;
  int64_t est_tokens;
  bool called;
  bool last_tier;
  bool probe;
  int64_t tool_calls;
};

struct FallbackView {
  int64_t ts_ms;
  std::string_view from_model;
  std::string_view to_model;
  std::string_view reason;
  std::string_view detail;
};

struct RequestView {
  int64_t id;
  int64_t ts_ms;
  std::string_view route;
  std::string_view task;
  std::string_view served_by;
  std::string_view outcome;
  int64_t latency_ms;
  double cost_usd;
  int64_t input_tokens;
  int64_t output_tokens;
  bool truncated;
  std::string_view error;
  int64_t tools_offered;
  int64_t tool_calls;
  std::vector<AttemptView> attempts;
  std::vector<FallbackView> fallbacks;
};

struct TransitionView {
  int64_t ts_ms;
  std::string_view model;
  std::string_view from_state;
  std::string_view to_state;
  std::string_view reason;
  int64_t open_until_ms;
};

struct AnswerView {
  int64_t request_id;
  int64_t ts_ms;
  std::string_view route;
  std::string_view task;
  std::string_view served_by;
  std::string_view first_tier;
  std::string_view reason;
  std::string_view messages_json;
  bool truncated;
  std::string_view content;
  std::string_view finish_reason;
  std::string_view tool_calls_json;
};

struct RecordView {
  enum class Kind { kRequest, kTransition, kProbe, kAnswer } kind;
  RequestView request;        // for kRequest and kProbe
  TransitionView transition;  // for kTransition
  AnswerView answer;          // for kAnswer
};

// Reads back what Encode* appended, in order. The views stay valid while the buffer does;
// each Next overwrites the last record read, reusing its vectors.
class RecordReader {
 public:
  explicit RecordReader(std::string_view bytes) : rest_(bytes) {}
  // False at the end, or if the bytes do not hold a whole record (then broken() is true).
  bool Next(RecordView* out);
  bool broken() const { return broken_; }

 private:
  std::string_view rest_;  // not yet read
  bool broken_ = false;
};

}  // namespace switchyard
