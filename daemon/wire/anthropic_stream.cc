// Anthropic's stream: named events. Text arrives in content_block_delta (text_delta); a tool
// call opens with content_block_start (a tool_use block with its id and name) and its input
// comes as input_json_delta pieces (the first often empty); the stop reason and cumulative
// usage come in message_delta, and message_stop ends the stream. Unknown event types (ping,
// and any added later) are ignored, as the docs ask. Block indexes count text blocks too;
// tool calls are renumbered 0, 1, ... among calls, as OpenAI numbers them.
#include <simdjson.h>

#include "wire/anthropic_messages.h"
#include "wire/json_read.h"
#include "wire/stream_decoder.h"
#include "wire/tool_blocks.h"

namespace switchyard {
namespace {

class AnthropicStreamDecoder final : public StreamDecoder {
 public:
  explicit AnthropicStreamDecoder(AnswerTool answer) : blocks_(std::move(answer)) {}

  void OnEvent(const SseEvent& e, StreamState* s, StreamDelta* delta) override {
    simdjson::dom::element doc;
    if (parser_.parse(e.data).get(doc) != simdjson::SUCCESS) {
      FailStream(s, Outcome::kBadResponse, "stream event is not valid JSON");
      return;
    }
    std::string_view type;
    if (doc["type"].get_string().get(type) != simdjson::SUCCESS) type = e.event;
    int64_t n = 0;
    if (type == "message_start") {
      simdjson::dom::object u;
      if (doc["message"]["usage"].get_object().get(u) == simdjson::SUCCESS) ReadInput(u, s);
    } else if (type == "content_block_start") {
      BlockStart(doc, s, delta);
    } else if (type == "content_block_delta") {
      BlockDelta(doc, s, delta);
    } else if (type == "content_block_stop") {
      int64_t block = -1;
      if (doc["index"].get_int64().get(block) == simdjson::SUCCESS) blocks_.Close(block, s, delta);
    } else if (type == "message_delta") {
      std::string_view stop;
      if (doc["delta"]["stop_reason"].get_string().get(stop) == simdjson::SUCCESS) {
        s->answer.finish_reason = blocks_.Finish(AnthropicFinishReason(stop), *s);
      }
      simdjson::dom::object u;
      if (doc["usage"].get_object().get(u) == simdjson::SUCCESS) {
        if (u["output_tokens"].get_int64().get(n) == simdjson::SUCCESS) {
          s->answer.usage.output_tokens = n;
        }
        if (u["input_tokens"].get_int64().get(n) == simdjson::SUCCESS) ReadInput(u, s);
      }
    } else if (type == "message_stop") {
      s->finished = true;
    } else if (type == "error") {
      std::string_view etype = StringOr(doc["error"]["type"]);
      std::string_view msg = StringOr(doc["error"]["message"]);
      FailStream(s,
                 etype == "overloaded_error" || etype == "api_error" ? Outcome::kServerError
                                                                     : Outcome::kTransportError,
                 "stream error " + std::string(etype) + ": " + std::string(msg));
    }
  }

 private:
  void BlockStart(simdjson::dom::element doc, StreamState* s, StreamDelta* delta) {
    int64_t block = -1;
    if (doc["index"].get_int64().get(block) != simdjson::SUCCESS) return;
    simdjson::dom::element cb;
    if (doc["content_block"].get(cb) != simdjson::SUCCESS) return;
    if (StringOr(cb["type"]) != "tool_use") return;
    blocks_.Open(block, StringOr(cb["id"]), StringOr(cb["name"]), s, delta);
  }

  void BlockDelta(simdjson::dom::element doc, StreamState* s, StreamDelta* delta) {
    std::string_view text;
    if (doc["delta"]["text"].get_string().get(text) == simdjson::SUCCESS) {
      s->answer.content.append(text);
      delta->text.append(text);
      return;
    }
    std::string_view piece;
    int64_t block = -1;
    if (doc["delta"]["partial_json"].get_string().get(piece) == simdjson::SUCCESS &&
        doc["index"].get_int64().get(block) == simdjson::SUCCESS) {
      blocks_.Piece(block, piece, s, delta);
    }
  }

  // Usage is cumulative, and cached prompt tokens are counted apart from input_tokens.
  static void ReadInput(simdjson::dom::object u, StreamState* s) {
    int64_t total = 0, n = 0;
    for (const char* k :
         {"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}) {
      if (u[k].get_int64().get(n) == simdjson::SUCCESS) total += n;
    }
    s->answer.usage.input_tokens = total;
    if (u["output_tokens"].get_int64().get(n) == simdjson::SUCCESS) {
      s->answer.usage.output_tokens = n;
    }
  }

  simdjson::dom::parser parser_;
  ToolBlocks blocks_;
};

}  // namespace

std::unique_ptr<StreamDecoder> MakeAnthropicStreamDecoder(const CompleteRequest& req) {
  return std::make_unique<AnthropicStreamDecoder>(AnswerToolOf(req));
}

}  // namespace switchyard
