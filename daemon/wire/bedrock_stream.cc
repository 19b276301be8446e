// Bedrock's ConverseStream: AWS event-stream messages (wire/aws_event_stream.h) named by
// their :event-type. Text arrives in contentBlockDelta (delta.text); a tool call opens with
// contentBlockStart (start.toolUse, its id and name) and its input comes as
// delta.toolUse.input pieces; messageStop has the stop reason and ends the answer, and
// metadata, after it, the usage. An exception message (throttlingException,
// modelStreamErrorException, ...) ends the stream as that error. Tool calls are renumbered
// 0, 1, ... among calls, as OpenAI numbers them.
#include <simdjson.h>

#include "wire/anthropic_messages.h"
#include "wire/bedrock_converse.h"
#include "wire/json_read.h"
#include "wire/stream_decoder.h"
#include "wire/tool_blocks.h"

namespace switchyard {
namespace {

class BedrockStreamDecoder final : public StreamDecoder {
 public:
  explicit BedrockStreamDecoder(AnswerTool answer) : blocks_(std::move(answer)) {}

  std::unique_ptr<EventSplitter> NewSplitter() const override { return MakeAwsEventSplitter(); }

  void OnEvent(const SseEvent& e, StreamState* s, StreamDelta* delta) override {
    if (e.event == "error:framing") {
      FailStream(s, Outcome::kTransportError, e.data);
      return;
    }
    simdjson::dom::element doc;
    if (parser_.parse(e.data).get(doc) != simdjson::SUCCESS) {
      FailStream(s, Outcome::kBadResponse, "stream event " + e.event + " is not valid JSON");
      return;
    }
    if (e.event.rfind("exception:", 0) == 0) {
      std::string_view type = std::string_view(e.event).substr(10);
      std::string_view message = StringOr(doc["message"]);
      if (message.empty()) message = StringOr(doc["Message"]);
      ParsedResponse p = ClassifyBedrockError(500, type, message);
      FailStream(s, p.outcome, "stream exception: " + p.reason);
      return;
    }
    int64_t block = -1;
    if (e.event == "contentBlockStart") {
      simdjson::dom::object use;
      if (doc["contentBlockIndex"].get_int64().get(block) == simdjson::SUCCESS &&
          doc["start"]["toolUse"].get_object().get(use) == simdjson::SUCCESS) {
        blocks_.Open(block, StringOr(use["toolUseId"]), StringOr(use["name"]), s, delta);
      }
    } else if (e.event == "contentBlockDelta") {
      std::string_view text, piece;
      if (doc["delta"]["text"].get_string().get(text) == simdjson::SUCCESS) {
        s->answer.content.append(text);
        delta->text.append(text);
      } else if (doc["delta"]["toolUse"]["input"].get_string().get(piece) == simdjson::SUCCESS &&
                 doc["contentBlockIndex"].get_int64().get(block) == simdjson::SUCCESS) {
        blocks_.Piece(block, piece, s, delta);
      }
    } else if (e.event == "contentBlockStop") {
      if (doc["contentBlockIndex"].get_int64().get(block) == simdjson::SUCCESS) {
        blocks_.Close(block, s, delta);
      }
    } else if (e.event == "messageStop") {
      s->answer.finish_reason =
          blocks_.Finish(BedrockFinishReason(StringOr(doc["stopReason"])), *s);
      s->finished = true;
    } else if (e.event == "metadata") {
      simdjson::dom::object u;
      if (doc["usage"].get_object().get(u) != simdjson::SUCCESS) return;
      int64_t n = 0, input = 0;
      for (const char* k : {"inputTokens", "cacheReadInputTokens", "cacheWriteInputTokens"}) {
        if (u[k].get_int64().get(n) == simdjson::SUCCESS) input += n;
      }
      s->answer.usage.input_tokens = input;
      if (u["outputTokens"].get_int64().get(n) == simdjson::SUCCESS) {
        s->answer.usage.output_tokens = n;
      }
    }
  }

 private:
  simdjson::dom::parser parser_;
  ToolBlocks blocks_;
};

}  // namespace

std::unique_ptr<StreamDecoder> MakeBedrockStreamDecoder(const CompleteRequest& req) {
  return std::make_unique<BedrockStreamDecoder>(AnswerToolOf(req));
}

}  // namespace switchyard
