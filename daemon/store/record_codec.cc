#include "store/record_codec.h"

#include <cstring>
#include <type_traits>

namespace switchyard {
namespace {

// Native byte order and width: the bytes never leave the process.
enum Tag : uint8_t { kRequestTag = 1, kTransitionTag = 2 };

template <typename T>
void Put(std::string* out, T v) {
  static_assert(std::is_trivially_copyable_v<T>);
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}

void PutBool(std::string* out, bool v) { Put<uint8_t>(out, v ? 1 : 0); }

void PutText(std::string* out, std::string_view s) {
  Put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

}  // namespace

void EncodeRequest(const RequestRecord& r, std::string* out) {
  Put<uint8_t>(out, kRequestTag);
  Put(out, r.id);
  Put(out, r.ts_ms);
  PutText(out, r.route);
  PutText(out, r.task);
  PutText(out, r.served_by);
  PutText(out, r.outcome);
  Put(out, r.latency_ms);
  Put(out, r.cost_usd);
  Put(out, r.input_tokens);
  Put(out, r.output_tokens);
  PutBool(out, r.truncated);
  PutText(out, r.error);
  Put<uint32_t>(out, static_cast<uint32_t>(r.attempts.size()));
  for (const AttemptRecord& a : r.attempts) {
    Put(out, a.ts_ms);
    PutText(out, a.model);
    Put(out, a.latency_ms);
    PutText(out, a.outcome);
    PutText(out, a.reason);
    Put(out, a.http_status);
    Put(out, a.input_tokens);
    Put(out, a.output_tokens);
    Put(out, a.cost_usd);
    Put(out, a.timeout_ms);
    PutBool(out, a.stream);
    Put(out, a.ttft_ms);
    PutBool(out, a.truncated);
    Put(out, a.tokens_before);
    Put(out, a.tokens_after);
    Put(out, a.est_tokens);
  }
  Put<uint32_t>(out, static_cast<uint32_t>(r.fallbacks.size()));
  for (const FallbackRecord& f : r.fallbacks) {
    Put(out, f.ts_ms);
    PutText(out, f.from_model);
    PutText(out, f.to_model);
    PutText(out, f.reason);
    PutText(out, f.detail);
  }
}

void EncodeTransition(const BreakerTransitionRecord& t, std::string* out) {
  Put<uint8_t>(out, kTransitionTag);
  Put(out, t.ts_ms);
  PutText(out, t.model);
  PutText(out, t.from_state);
  PutText(out, t.to_state);
  PutText(out, t.reason);
  Put(out, t.open_until_ms);
}

bool RecordReader::Take(void* dst, size_t n) {
  if (static_cast<size_t>(end_ - p_) < n) return false;
  std::memcpy(dst, p_, n);
  p_ += n;
  return true;
}

bool RecordReader::GetBool(bool* v) {
  uint8_t b;
  if (!Get(&b)) return false;
  *v = b != 0;
  return true;
}

bool RecordReader::GetText(std::string_view* s) {
  uint32_t n;
  if (!Get(&n) || static_cast<size_t>(end_ - p_) < n) return false;
  *s = std::string_view(p_, n);
  p_ += n;
  return true;
}

bool RecordReader::GetRequest(RequestView* r) {
  uint32_t n;
  bool ok = Get(&r->id) && Get(&r->ts_ms) && GetText(&r->route) && GetText(&r->task) &&
            GetText(&r->served_by) && GetText(&r->outcome) && Get(&r->latency_ms) &&
            Get(&r->cost_usd) && Get(&r->input_tokens) && Get(&r->output_tokens) &&
            GetBool(&r->truncated) && GetText(&r->error) && Get(&n);
  // Each attempt takes more than a byte: a count past that is a broken buffer, not a size.
  if (!ok || n > static_cast<size_t>(end_ - p_)) return false;
  r->attempts.resize(n);
  for (AttemptView& a : r->attempts) {
    ok = Get(&a.ts_ms) && GetText(&a.model) && Get(&a.latency_ms) && GetText(&a.outcome) &&
         GetText(&a.reason) && Get(&a.http_status) && Get(&a.input_tokens) &&
         Get(&a.output_tokens) && Get(&a.cost_usd) && Get(&a.timeout_ms) && GetBool(&a.stream) &&
         Get(&a.ttft_ms) && GetBool(&a.truncated) && Get(&a.tokens_before) &&
         Get(&a.tokens_after) && Get(&a.est_tokens);
    if (!ok) return false;
  }
  if (!Get(&n) || n > static_cast<size_t>(end_ - p_)) return false;
  r->fallbacks.resize(n);
  for (FallbackView& f : r->fallbacks) {
    ok = Get(&f.ts_ms) && GetText(&f.from_model) && GetText(&f.to_model) && GetText(&f.reason) &&
         GetText(&f.detail);
    if (!ok) return false;
  }
  return true;
}

bool RecordReader::GetTransition(TransitionView* t) {
  return Get(&t->ts_ms) && GetText(&t->model) && GetText(&t->from_state) && GetText(&t->to_state) &&
         GetText(&t->reason) && Get(&t->open_until_ms);
}

bool RecordReader::Next(RecordView* out) {
  if (broken_ || p_ == end_) return false;
  uint8_t tag;
  bool ok = Get(&tag);
  if (ok && tag == kRequestTag) {
    out->kind = RecordView::Kind::kRequest;
    ok = GetRequest(&out->request);
  } else if (ok && tag == kTransitionTag) {
    out->kind = RecordView::Kind::kTransition;
    ok = GetTransition(&out->transition);
  } else {
    ok = false;
  }
  broken_ = !ok;
  return ok;
}

}  // namespace switchyard
