// libFuzzer target: an HTTP answer from Gemini, Azure OpenAI or Bedrock, and Gemini's stream.
// The first byte picks the provider (bits 0-1), the status (bits 2-5) and whether the body is
// also read as an x-amzn-ErrorType (bit 6) and for a json_schema request (bit 7); the rest
// is the body, redacted as it enters the daemon, parsed as an answer, then split at its
// middle and fed to Gemini's stream decoder as server-sent events.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/redactor.h"
#include "providers/provider.h"
#include "relay_check.h"
#include "wire/gemini_chat.h"
#include "wire/sse.h"

using namespace switchyard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const std::string kKey = "AIza-fuzz-0123456789abcdef";
  static const auto gemini = MakeGeminiProvider({"https://g.example/v1beta", kKey});
  static const auto azure = [] {
    ProviderEndpoint ep{"https://a.example", kKey};
    ep.api_version = "2024-10-21";
    return MakeAzureProvider(ep);
  }();
  static const auto bedrock = [] {
    ProviderEndpoint ep{"https://b.example", ""};
    ep.region = "us-east-1";
    ep.aws_access_key_id = "AKIDFUZZ";
    ep.aws_secret_access_key = kKey;
    return MakeBedrockProvider(ep);
  }();
  static const int64_t kStatuses[] = {200, 400, 401, 403, 404, 408, 424, 429,
                                      500, 503, 529, 302, 200, 200, 200, 200};
  static const Redactor redactor = [] {
    Redactor r;
    r.Add(kKey);
    return r;
  }();
  const Provider* providers[] = {gemini.get(), azure.get(), bedrock.get(), gemini.get()};
  const Provider& p = *providers[data[0] & 3];
  std::string body =
      redactor.Redact(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  body.reserve(body.size() + 64);
  HttpReply reply;
  reply.status = kStatuses[(data[0] >> 2) & 15];
  reply.body = body;
  reply.body_capacity = body.capacity();
  reply.error_type = (data[0] & 0x40) ? std::string_view(body).substr(0, 40) : "";
  static const CompleteRequest kSchema = [] {
    CompleteRequest q;
    q.json_schema.schema = R"({"type":"array"})";
    return q;
  }();
  ParsedResponse r = p.Parse(reply, (data[0] & 0x80) ? kSchema : CompleteRequest{});
  if (r.reason.find(kKey) != std::string::npos) __builtin_trap();

  // Gemini's stream, split at the body's middle.
  auto decoder = MakeGeminiStreamDecoder();
  SseParser sse;
  RelayCheck check(decoder.get());
  auto on_event = [&](const SseEvent& e) { check.On(e); };
  std::string_view all(body);
  sse.Feed(all.substr(0, all.size() / 2), on_event);
  sse.Feed(all.substr(all.size() / 2), on_event);
  check.Verify();
  return 0;
}
