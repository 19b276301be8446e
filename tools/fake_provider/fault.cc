#include "fault.h"

#include <cstdlib>

namespace fake {
namespace {

bool ToInt(const std::string& v, int64_t* out) {
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (end == v.c_str() || *end) return false;
  *out = n;
  return true;
}

}  // namespace

bool ParseFault(std::string_view query, Fault* out, std::string* error) {
  Fault f = *out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key(pair.substr(0, eq));
    std::string val(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    for (char& c : val) {
      if (c == '+') c = ' ';
    }
    int64_t n = 0;
    if (key == "model") {
      continue;
    } else if (key == "mode") {
      static const std::map<std::string, Mode> kModes = {{"ok", Mode::kOk},
                                                         {"hang", Mode::kHang},
                                                         {"error", Mode::kError},
                                                         {"reset", Mode::kReset},
                                                         {"truncate", Mode::kTruncate},
                                                         {"garbage", Mode::kGarbage},
                                                         {"drip", Mode::kDrip},
                                                         {"empty", Mode::kEmpty},
                                                         {"stall", Mode::kStall},
                                                         {"cut", Mode::kCut},
                                                         {"unfinished", Mode::kUnfinished},
                                                         {"badutf8", Mode::kBadUtf8},
                                                         {"huge", Mode::kHuge},
                                                         {"stream_error", Mode::kStreamError},
                                                         {"bad_tool_args", Mode::kBadToolArgs},
                                                         {"off_schema", Mode::kOffSchema}};
      auto it = kModes.find(val);
      if (it == kModes.end()) {
        *error = "unknown mode '" + val + "'";
        return false;
      }
      f.mode = it->second;
    } else if (key == "reply") {
      f.reply = val;
    } else if (key == "finish") {
      f.finish = val;
    } else if (key == "error_kind") {
      f.error_kind = val;
    } else if (key == "rate") {
      f.rate = std::atof(val.c_str());
    } else if (ToInt(val, &n)) {
      if (key == "latency_ms") {
        f.latency_ms = n;
      } else if (key == "latency_us") {
        f.latency_us = n;
      } else if (key == "jitter_ms") {
        f.jitter_ms = n;
      } else if (key == "status") {
        f.status = static_cast<int>(n);
      } else if (key == "retry_after_s") {
        f.retry_after_s = n;
      } else if (key == "drip_ms") {
        f.drip_ms = n;
      } else if (key == "first_token_ms") {
        f.first_token_ms = n;
      } else if (key == "chunk_ms") {
        f.chunk_ms = n;
      } else if (key == "huge_mb") {
        f.huge_mb = n;
      } else if (key == "error_after") {
        f.error_after = n;
      } else if (key == "tool_calls") {
        f.tool_calls = n;
      } else if (key == "echo_key") {
        f.echo_key = n != 0;
      } else {
        *error = "unknown parameter '" + key + "'";
        return false;
      }
    } else {
      *error = "bad value for '" + key + "'";
      return false;
    }
  }
  *out = f;
  return true;
}

const Fault& FaultTable::For(const std::string& model) const {
  static const Fault kNone;
  auto it = faults_.find(model);
  if (it != faults_.end()) return it->second;
  it = faults_.find("*");
  return it != faults_.end() ? it->second : kNone;
}

}  // namespace fake
