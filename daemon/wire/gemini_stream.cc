// Gemini's stream (streamGenerateContent?alt=sse): data-only events, each a whole
// GenerateContentResponse with the next piece of text, whole function calls, and the usage so
// far; the last one has a finishReason, and nothing follows it (no [DONE]).
#include <simdjson.h>

#include "wire/gemini_chat.h"
#include "wire/stream_decoder.h"

namespace switchyard {
namespace {

class GeminiStreamDecoder final : public StreamDecoder {
 public:
  void OnEvent(const SseEvent& e, StreamState* s, StreamDelta* delta) override {
    simdjson::dom::element doc;
    if (parser_.parse(e.data).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
      FailStream(s, Outcome::kBadResponse, "stream event is not a JSON object");
      return;
    }
    GeminiChunk chunk;
    chunk.calls_before = s->answer.tool_calls.size();
    if (!ReadGeminiChunk(doc, &chunk)) {
      FailStream(s, chunk.failure, std::move(chunk.reason));
      return;
    }
    delta->text += chunk.text;
    for (size_t i = 0; i < chunk.calls.size(); ++i) {
      const ToolCall& c = chunk.calls[i];
      delta->tool_calls.push_back(
          ToolCallDelta{static_cast<int64_t>(chunk.calls_before + i), c.id, c.name, c.arguments});
    }
    ApplyGeminiChunk(chunk, &s->answer);
    if (!chunk.finish_reason.empty()) s->finished = true;
  }

 private:
  simdjson::dom::parser parser_;
};

}  // namespace

std::unique_ptr<StreamDecoder> MakeGeminiStreamDecoder() {
  return std::make_unique<GeminiStreamDecoder>();
}

}  // namespace switchyard
