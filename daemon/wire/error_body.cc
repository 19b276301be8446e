#include "wire/error_body.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "base/utf8.h"
#include "wire/json_read.h"
#include "wire/outcome.h"

namespace switchyard {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A JSON scalar as text: strings as they are, numbers printed, anything else empty.
std::string ScalarText(simdjson::dom::element e) {
  std::string_view sv;
  if (e.get_string().get(sv) == simdjson::SUCCESS) return std::string(sv);
  int64_t i = 0;
  if (e.get_int64().get(i) == simdjson::SUCCESS) return std::to_string(i);
  return "";
}

void ReadErrorObject(simdjson::dom::object obj, ErrorBody* out) {
  simdjson::dom::element v;
  if (obj["message"].get(v) == simdjson::SUCCESS) out->message = ScalarText(v);
  if (obj["type"].get(v) == simdjson::SUCCESS) out->type = ScalarText(v);
  if (obj["code"].get(v) == simdjson::SUCCESS) out->code = ScalarText(v);
  // Google's errors: {"code": 429, "message", "status": "RESOURCE_EXHAUSTED"}.
  if (out->type.empty() && obj["status"].get(v) == simdjson::SUCCESS) {
    std::string_view sv;
    if (v.get_string().get(sv) == simdjson::SUCCESS) out->type = sv;
  }
}

}  // namespace

ErrorBody ReadErrorBody(std::string_view body) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    // Proxies answer with HTML or plain text; keep the start of it as the message.
    ErrorBody out;
    out.message = std::string(body.substr(0, 200));
    return out;
  }
  return ReadErrorBody(doc);
}

ErrorBody ReadErrorBody(simdjson::dom::element doc) {
  ErrorBody out;
  simdjson::dom::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return out;
  simdjson::dom::element err;
  if (root["error"].get(err) == simdjson::SUCCESS) {
    simdjson::dom::object eobj;
    if (err.get_object().get(eobj) == simdjson::SUCCESS) {
      ReadErrorObject(eobj, &out);
    } else {
      out.message = ScalarText(err);
    }
  } else {
    ReadErrorObject(root, &out);
    if (out.type == "error") out.type.clear();
  }
  return out;
}

bool SaysContextOverflow(const ErrorBody& e) {
  if (e.code == "context_length_exceeded" || e.type == "exceed_context_size_error") return true;
  std::string m = Lower(e.message);
  static const char* const kPhrases[] = {
      "context length",
      "context_length",
      "context window",
      "prompt is too long",
      "context limit",
      "context size",
      "too many tokens",
      "input tokens exceed",
      "reduce the length",
      // Gemini: "The input token count (N) exceeds the maximum number of tokens allowed (M)."
      "input token count",
      // Bedrock: "Input is too long for requested model."; "too many input tokens".
      "input is too long",
      "too many input tokens",
  };
  for (const char* p : kPhrases) {
    if (m.find(p) != std::string::npos) return true;
  }
  return false;
}

bool SaysNoToolSupport(const ErrorBody& e) {
  std::string m = Lower(e.message);
  static const char* const kPhrases[] = {
      "does not support tools",                   // Ollama, 400
      "tool choice requires --enable-auto-tool",  // vLLM started without a tool parser, 400
      "tools param requires --jinja",             // llama.cpp without --jinja, 500
      "unsupported param: tools",                 // llama.cpp before --jinja, 500
  };
  for (const char* p : kPhrases) {
    if (m.find(p) != std::string::npos) return true;
  }
  return false;
}

ParsedResponse ClassifyHttpError(int64_t status, const ErrorBody& e) {
  ParsedResponse r;
  if ((status == 400 || status >= 500) && SaysNoToolSupport(e)) {
    // The server cannot take this request's tools, though it serves others: skip it for
    // this request without holding it against its breaker.
    r.outcome = Outcome::kUnsupported;
  } else if (status == 400 && e.code == "content_filter") {
    // Azure's filter refused the prompt; another provider's filter may not.
    r.outcome = Outcome::kContentFilter;
  } else if (status == 429) {
    r.outcome = Outcome::kRateLimited;
  } else if ((status == 400 || status == 413 || status >= 500) && SaysContextOverflow(e)) {
    // Some OpenAI-compatible servers (llama.cpp) have sent this as a 500.
    r.outcome = Outcome::kContextOverflow;
  } else if (status == 408 || status == 409 || status >= 500) {
    r.outcome = Outcome::kServerError;
  } else if (status == 400 || status == 401 || status == 403 || status == 422) {
    r.outcome = Outcome::kClientError;
  } else {
    // 404 (a retired model id), 405, 410, ...: the provider's side, so try the next tier.
    r.outcome = Outcome::kBadResponse;
  }
  std::string reason = "http " + std::to_string(status);
  if (!e.type.empty()) reason += " " + e.type;
  if (!e.code.empty() && e.code != e.type && e.code != std::to_string(status)) {
    reason += " (" + e.code + ")";
  }
  if (!e.message.empty()) reason += ": " + e.message;
  r.reason = ReasonText(std::move(reason));
  return r;
}

ParsedResponse ParseErrorReply(const HttpReply& reply) {
  ParsedResponse r = ClassifyHttpError(reply.status, ReadErrorBody(reply.body));
  r.retry_after_ms = RetryAfterMs(reply.retry_after, reply.retry_after_ms, reply.wall_now_ms);
  return r;
}

int64_t RetryAfterMs(std::string_view retry_after, std::string_view retry_after_ms,
                     int64_t wall_now_ms) {
  // A wait longer than a day is a provider's nonsense ("1e999", the year 99999), and a
  // double that large does not fit an int64: it is taken as a day.
  constexpr double kMaxMs = 86400e3;
  auto parse_number = [](std::string_view s, double* out) {
    std::string t(s);
    char* end = nullptr;
    double v = std::strtod(t.c_str(), &end);
    if (end == t.c_str() || !(v >= 0)) return false;  // also refuses NaN
    while (*end == ' ') ++end;
    if (*end) return false;
    *out = v;
    return true;
  };
  double v = 0;
  if (!retry_after_ms.empty() && parse_number(retry_after_ms, &v)) {
    return static_cast<int64_t>(std::min(v, kMaxMs));
  }
  if (retry_after.empty()) return -1;
  if (parse_number(retry_after, &v)) return static_cast<int64_t>(std::min(v * 1000, kMaxMs));
  std::string t(retry_after);
  std::tm tm{};
  if (strptime(t.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) return -1;
  double at_ms = static_cast<double>(timegm(&tm)) * 1000;
  return static_cast<int64_t>(std::clamp(at_ms - static_cast<double>(wall_now_ms), 0.0, kMaxMs));
}

std::string ReasonText(std::string text) {
  if (text.size() > 400) {
    size_t cut = 400;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text += "...";
  }
  // Reasons travel as msgpack strings, which clients decode as UTF-8.
  if (!IsValidUtf8(text)) {
    for (char& c : text) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
  }
  return text;
}

bool ReadAnswerBody(const HttpReply& reply, simdjson::dom::element* doc, ParsedResponse* r) {
  if (reply.status < 200 || reply.status >= 300) {
    *r = ParseErrorReply(reply);
    return false;
  }
  if (simdjson::error_code ec = ParseJson(reply.body, reply.body_capacity, doc);
      ec != simdjson::SUCCESS) {
    // simdjson's words say which: not JSON at all, or JSON with bytes that are not UTF-8.
    Bad(r, std::string("answer is not valid JSON: ") + simdjson::error_message(ec));
    return false;
  }
  return true;
}

}  // namespace switchyard
