#include "store/record_codec.h"

#include <cstring>
#include <type_traits>

namespace switchyard {
namespace {

// Native byte order and width: the bytes are read back on the machine that wrote them (by
// the process itself, or by its next start from the journal, which checks kRecordFormat).
enum Tag : uint8_t { kRequestTag = 1, kTransitionTag = 2, kProbeTag = 3, kAnswerTag = 4 };

// Each record's fields are listed once, below, and walked by both of these, so the writer
// and the reader cannot disagree on their order. Numbers go as their bytes, bools as one
// byte, texts and lists as a 32-bit count and then their bytes or elements.
struct Sink {
  std::string* out;

  template <typename T>
  void Raw(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out->append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  bool operator()(bool v) {
    Raw<uint8_t>(v ? 1 : 0);
    return true;
  }
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
  bool operator()(T v) {
    Raw(v);
    return true;
  }
  bool operator()(const std::string& s) {
    Raw(static_cast<uint32_t>(s.size()));
    out->append(s);
    return true;
  }
  template <typename T, typename F>
  bool List(const std::vector<T>& v, F each) {
    Raw(static_cast<uint32_t>(v.size()));
    for (const T& x : v) each(x);
    return true;
  }
};

struct Source {
  std::string_view* rest;

  bool Raw(void* dst, size_t n) {
    if (rest->size() < n) return false;
    std::memcpy(dst, rest->data(), n);
    rest->remove_prefix(n);
    return true;
  }
  bool operator()(bool& v) {
    uint8_t b;
    if (!Raw(&b, 1)) return false;
    v = b != 0;
    return true;
  }
  template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
  bool operator()(T& v) {
    return Raw(&v, sizeof v);
  }
  bool operator()(std::string_view& s) {
    uint32_t n;
    if (!Raw(&n, sizeof n) || rest->size() < n) return false;
    s = rest->substr(0, n);
    rest->remove_prefix(n);
    return true;
  }
  template <typename T, typename F>
  bool List(std::vector<T>& v, F each) {
    uint32_t n;
    // Each element takes more than a byte: a count past that is a broken buffer, not a size.
    if (!Raw(&n, sizeof n) || n > rest->size()) return false;
    v.resize(n);
    for (T& x : v) {
      if (!each(x)) return false;
    }
    return true;
  }
};

// R is a record (written) or its view (read); Io is a Sink or a Source.
template <typename Io, typename R>
bool AttemptFields(Io& io, R& a) {
  return io(a.ts_ms) && io(a.called) && io(a.model) && io(a.latency_ms) && io(a.outcome) &&
         io(a.reason) && io(a.http_status) && io(a.input_tokens) && io(a.output_tokens) &&
         io(a.cost_usd) && io(a.timeout_ms) && io(a.stream) && io(a.ttft_ms) && io(a.truncated) &&
         io(a.tokens_before) && io(a.tokens_after) && io(a.est_tokens) && io(a.last_tier) &&
         io(a.probe) && io(a.tool_calls);
}

template <typename Io, typename R>
bool FallbackFields(Io& io, R& f) {
  return io(f.ts_ms) && io(f.from_model) && io(f.to_model) && io(f.reason) && io(f.detail);
}

template <typename Io, typename R>
bool RequestFields(Io& io, R& r) {
  return io(r.id) && io(r.ts_ms) && io(r.route) && io(r.task) && io(r.served_by) && io(r.outcome) &&
         io(r.latency_ms) && io(r.cost_usd) && io(r.input_tokens) && io(r.output_tokens) &&
         io(r.truncated) && io(r.error) && io(r.tools_offered) && io(r.tool_calls) &&
         io.List(r.attempts, [&io](auto& a) { return AttemptFields(io, a); }) &&
         io.List(r.fallbacks, [&io](auto& f) { return FallbackFields(io, f); });
}

template <typename Io, typename R>
bool TransitionFields(Io& io, R& t) {
  return io(t.ts_ms) && io(t.model) && io(t.from_state) && io(t.to_state) && io(t.reason) &&
         io(t.open_until_ms);
}

template <typename Io, typename R>
bool AnswerFields(Io& io, R& a) {
  return io(a.request_id) && io(a.ts_ms) && io(a.route) && io(a.task) && io(a.served_by) &&
         io(a.first_tier) && io(a.reason) && io(a.messages_json) && io(a.truncated) &&
         io(a.content) && io(a.finish_reason) && io(a.tool_calls_json);
}

}  // namespace

void EncodeAnswer(const FallbackAnswerRecord& a, std::string* out) {
  Sink sink{out};
  sink.Raw(kAnswerTag);
  AnswerFields(sink, a);
}

void EncodeRequest(const RequestRecord& r, std::string* out) {
  Sink sink{out};
  sink.Raw(kRequestTag);
  RequestFields(sink, r);
}

void EncodeTransition(const BreakerTransitionRecord& t, std::string* out) {
  Sink sink{out};
  sink.Raw(kTransitionTag);
  TransitionFields(sink, t);
}

void EncodeProbe(int64_t request_id, const std::string& route, const std::string& task,
                 const AttemptRecord& a, std::string* out) {
  RequestRecord r;
  r.id = request_id;
  r.ts_ms = a.ts_ms;
  r.route = route;
  r.task = task;
  r.attempts.push_back(a);
  Sink sink{out};
  sink.Raw(kProbeTag);
  RequestFields(sink, r);
}

bool RecordReader::Next(RecordView* out) {
  if (broken_ || rest_.empty()) return false;
  Source source{&rest_};
  uint8_t tag;
  bool ok = source(tag);
  if (ok && (tag == kRequestTag || tag == kProbeTag)) {
    out->kind = tag == kRequestTag ? RecordView::Kind::kRequest : RecordView::Kind::kProbe;
    ok = RequestFields(source, out->request);
  } else if (ok && tag == kAnswerTag) {
    out->kind = RecordView::Kind::kAnswer;
    ok = AnswerFields(source, out->answer);
  } else if (ok && tag == kTransitionTag) {
    out->kind = RecordView::Kind::kTransition;
    ok = TransitionFields(source, out->transition);
  } else {
    ok = false;
  }
  broken_ = !ok;
  return ok;
}

}  // namespace switchyard
