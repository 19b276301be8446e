// What the fake provider does to a request: its fault for the model asked for, parsed from a
// query string such as "mode=error&status=429&retry_after_s=2&latency_ms=600&jitter_ms=50".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace fake {

enum class Mode {
  kOk,        // a well-formed answer
  kHang,      // accept the request and never answer
  kError,     // an HTTP error with the provider's error body
  kReset,     // close the connection with a TCP reset, no answer
  kTruncate,  // promise a body (Content-Length) and send half of it, then close
  kGarbage,   // 200 whose body is not JSON
  kDrip,      // a well-formed answer sent a few bytes at a time, drip_ms apart
  kEmpty,     // 200 with empty content and zero output tokens
  // Streams only (a request with "stream": true):
  kStall,       // headers and the events before any text, then nothing, connection kept
  kCut,         // half the events, then the connection closes mid-body
  kUnfinished,  // every event but the final one, then a clean end of body
  kBadUtf8,     // 200 whose JSON answer holds bytes that are not UTF-8
  kHuge,        // 200 with a well-formed answer of huge_mb megabytes
  // Streams: error_after text events, then the provider's error event (OpenAI's
  // data: {"error": ...}, Anthropic's event: error) and the end of the body. A request
  // that is not streamed gets a 500 instead.
  kStreamError,
  // Tools: the tool call's arguments are not JSON (OpenAI; Anthropic, whose input is always
  // an object, calls a tool the request did not offer instead).
  kBadToolArgs,
  // A json_schema answer, or a tool call's arguments, that is JSON but off the schema.
  kOffSchema,
};

struct Fault {
  Mode mode = Mode::kOk;
  int64_t latency_ms = 0;  // before the first byte of the answer
  int64_t jitter_ms = 0;   // uniform extra latency in [0, jitter_ms]
  // Plain answers: latency to the microsecond (a timerfd), instead of latency_ms and its
  // jitter, whose timers tick in whole milliseconds. For benchmarks that subtract latencies.
  int64_t latency_us = 0;
  int status = 500;            // for kError
  std::string error_kind;      // for kError: "" (by status), "context" (context length exceeded)
  int64_t retry_after_s = -1;  // Retry-After on kError, when >= 0
  int64_t drip_ms = 1000;
  int64_t first_token_ms = 0;  // streams: from the headers to the first text
  int64_t chunk_ms = 0;        // streams: between text events
  int64_t huge_mb = 50;        // kHuge
  double rate = 1.0;           // share of requests the mode applies to; the rest are kOk
  std::string reply;           // answer text; default names the model
  std::string finish;          // finish reason override ("length", ...)
  int64_t error_after = 0;     // kStreamError: text events sent before the error event
  // When the request offers tools (and is not answering a tool's result): how many calls
  // the answer makes, to the offered tools in turn (a tool_choice naming one: to it alone).
  int64_t tool_calls = 1;
  // Echo the API key the request carried back in every text the provider writes (error
  // bodies and events, answers), in every form a leak takes: whole, without its prefix,
  // masked ("sk-ab*****1234"), its tail, JSON-escaped. What a misconfigured gateway or a
  // proxy that logs its request might do; the daemon must let none of it out.
  bool echo_key = false;
};

// Parses `query` over `base`; an error names the bad parameter.
bool ParseFault(std::string_view query, Fault* out, std::string* error);

class FaultTable {
 public:
  // The fault for `model`, or the "*" entry, or none.
  const Fault& For(const std::string& model) const;
  void Set(const std::string& model, Fault f) { faults_[model] = std::move(f); }
  void Clear() { faults_.clear(); }

 private:
  std::map<std::string, Fault> faults_;
};

}  // namespace fake
