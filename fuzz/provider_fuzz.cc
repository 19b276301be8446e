// libFuzzer target: an HTTP answer from a provider. The first byte picks the API and the
// status; the rest is the body, redacted as it enters the daemon (http/redacting_http_client.h)
// and parsed both in place (with simdjson's padding) and copied.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/redactor.h"
#include "providers/provider.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const std::string kOpenAIKey = "sk-fuzz-openai-0123456789";
  static const std::string kAnthropicKey = "sk-ant-fuzz-0123456789";
  static const auto openai = MakeOpenAIProvider({"https://api.openai.com/v1", kOpenAIKey});
  static const auto anthropic =
      MakeAnthropicProvider({"https://api.anthropic.com/v1", kAnthropicKey});
  static const int64_t kStatuses[] = {200, 400, 401, 404, 408, 413, 422, 429, 500, 503, 529, 302};
  static const Redactor redactor = [] {
    Redactor r;
    r.Add(kOpenAIKey);
    r.Add(kAnthropicKey);
    return r;
  }();
  const Provider& p = (data[0] & 1) ? *anthropic : *openai;
  std::string body =
      redactor.Redact(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  body.reserve(body.size() + 64);
  HttpReply reply;
  reply.status = kStatuses[(data[0] >> 1) % (sizeof kStatuses / sizeof kStatuses[0])];
  reply.body = body;
  reply.body_capacity = (data[0] & 0x80) ? body.capacity() : body.size();
  reply.retry_after = (data[0] & 0x40) ? std::string_view(body).substr(0, 12) : "";
  reply.wall_now_ms = 1'700'000'000'000;
  // Half the inputs are read as answers to a json_schema request, whose Anthropic answer
  // comes as a forced tool call to unwrap.
  static const CompleteRequest kSchema = [] {
    CompleteRequest q;
    q.json_schema.schema = R"({"type":"array"})";
    return q;
  }();
  ParsedResponse r = p.Parse(reply, (data[0] & 0x20) ? kSchema : CompleteRequest{});
  // The key must never come back in a reason, whatever the body says: not whole, and not the
  // part after its prefix (a body that quotes less, as the fuzzer's first find did, is the
  // provider's words, not a leak).
  const std::string& key = (data[0] & 1) ? kAnthropicKey : kOpenAIKey;
  if (r.reason.find(key) != std::string::npos) __builtin_trap();
  if (r.reason.find(key.substr(key.find_last_of('-') + 1)) != std::string::npos &&
      key.size() - key.find_last_of('-') > 12) {
    __builtin_trap();
  }
  return 0;
}
