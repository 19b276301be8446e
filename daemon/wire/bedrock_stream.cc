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

namespace switchyard {
namespace {

class BedrockStreamDecoder final : public StreamDecoder {
 public:
  explicit BedrockStreamDecoder(AnswerTool answer) : answer_(std::move(answer)) {}

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
      if (doc["contentBlockIndex"].get_int64().get(block) != simdjson::SUCCESS ||
          doc["start"]["toolUse"].get_object().get(use) != simdjson::SUCCESS) {
        return;
      }
      std::string_view name = StringOr(use["name"]);
      if (!answer_.name.empty() && name == answer_.name) {
        answer_block_ = block;
        return;
      }
      ToolCallDelta d;
      d.index = static_cast<int64_t>(call_blocks_.size());
      d.id.assign(StringOr(use["toolUseId"]));
      d.name.assign(name);
      call_blocks_.push_back(block);
      ApplyToolCallDelta(d, &s->answer.tool_calls);
      delta->tool_calls.push_back(std::move(d));
    } else if (e.event == "contentBlockDelta") {
      BlockDelta(doc, s, delta);
    } else if (e.event == "contentBlockStop") {
      if (doc["contentBlockIndex"].get_int64().get(block) == simdjson::SUCCESS &&
          block == answer_block_ && answer_.wrapped) {
        std::string text = UnwrapAnswer(answer_json_, true);
        s->answer.content.append(text);
        delta->text.append(text);
      }
    } else if (e.event == "messageStop") {
      s->answer.finish_reason = BedrockFinishReason(StringOr(doc["stopReason"]));
      // The answer tool's call is the answer, not a call to pass on.
      if (answer_block_ >= 0 && s->answer.tool_calls.empty()) s->answer.finish_reason = "stop";
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
  void BlockDelta(simdjson::dom::element doc, StreamState* s, StreamDelta* delta) {
    std::string_view text;
    if (doc["delta"]["text"].get_string().get(text) == simdjson::SUCCESS) {
      s->answer.content.append(text);
      delta->text.append(text);
      return;
    }
    std::string_view piece;
    int64_t block = -1;
    if (doc["delta"]["toolUse"]["input"].get_string().get(piece) != simdjson::SUCCESS ||
        doc["contentBlockIndex"].get_int64().get(block) != simdjson::SUCCESS || piece.empty()) {
      return;
    }
    if (block == answer_block_) {
      if (answer_.wrapped) {
        answer_json_.append(piece);  // unwrapped whole when the block ends
      } else {
        s->answer.content.append(piece);
        delta->text.append(piece);
      }
      return;
    }
    for (size_t i = 0; i < call_blocks_.size(); ++i) {
      if (call_blocks_[i] != block) continue;
      ToolCallDelta d;
      d.index = static_cast<int64_t>(i);
      d.arguments.assign(piece);
      ApplyToolCallDelta(d, &s->answer.tool_calls);
      delta->tool_calls.push_back(std::move(d));
      return;
    }
  }

  simdjson::dom::parser parser_;
  AnswerTool answer_;
  int64_t answer_block_ = -1;
  std::string answer_json_;
  std::vector<int64_t> call_blocks_;
};

}  // namespace

std::unique_ptr<StreamDecoder> MakeBedrockStreamDecoder(const CompleteRequest& req) {
  return std::make_unique<BedrockStreamDecoder>(AnswerToolOf(req));
}

}  // namespace switchyard
