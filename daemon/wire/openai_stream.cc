// OpenAI's stream: data-only events, each a chat.completion.chunk, then "data: [DONE]". A
// final chunk with "choices": [] carries usage when include_usage was asked (and sometimes
// when not). Tool calls come as delta.tool_calls pieces: the first of a call with its index,
// id and name, later ones with the index and a piece of the arguments.
#include <simdjson.h>

#include "wire/json_read.h"
#include "wire/stream_decoder.h"

namespace switchyard {
namespace {

class OpenAIStreamDecoder final : public StreamDecoder {
 public:
  void OnEvent(const SseEvent& e, StreamState* s, StreamDelta* delta) override {
    if (e.data == "[DONE]") {
      s->finished = true;
      return;
    }
    simdjson::dom::element doc;
    if (parser_.parse(e.data).get(doc) != simdjson::SUCCESS) {
      FailStream(s, Outcome::kBadResponse, "stream chunk is not valid JSON");
      return;
    }
    simdjson::dom::object err;
    if (doc["error"].get_object().get(err) == simdjson::SUCCESS) {
      FailStream(s, Outcome::kServerError,
                 "stream error: " + std::string(StringOr(err["message"])));
      return;
    }
    simdjson::dom::array choices;
    if (doc["choices"].get_array().get(choices) == simdjson::SUCCESS) {
      for (simdjson::dom::element c : choices) {
        std::string_view text;
        if (c["delta"]["content"].get_string().get(text) == simdjson::SUCCESS && !text.empty()) {
          s->answer.content.append(text);
          delta->text.append(text);
        }
        simdjson::dom::array calls;
        if (c["delta"]["tool_calls"].get_array().get(calls) == simdjson::SUCCESS) {
          for (simdjson::dom::element call : calls) ToolCallPiece(call, s, delta);
        }
        std::string_view finish;
        if (c["finish_reason"].get_string().get(finish) == simdjson::SUCCESS) {
          s->answer.finish_reason.assign(finish);
          // A turn that calls tools ends for that reason, whatever a server calls it.
          if (!s->answer.tool_calls.empty() && finish == "stop") {
            s->answer.finish_reason = "tool_calls";
          }
        }
      }
    }
    simdjson::dom::object usage;
    if (doc["usage"].get_object().get(usage) == simdjson::SUCCESS) {
      int64_t n = 0;
      if (usage["prompt_tokens"].get_int64().get(n) == simdjson::SUCCESS) {
        s->answer.usage.input_tokens = n;
      }
      if (usage["completion_tokens"].get_int64().get(n) == simdjson::SUCCESS) {
        s->answer.usage.output_tokens = n;
      }
    }
  }

 private:
  // Providers' indexes are passed on renumbered from 0 in order of appearance, so that a
  // server that numbers from elsewhere, or leaves the index out (then a new id starts a new
  // call), still gives the client OpenAI's numbering.
  void ToolCallPiece(simdjson::dom::element call, StreamState* s, StreamDelta* delta) {
    int64_t index = -1;
    std::string_view id = StringOr(call["id"]);
    if (call["index"].get_int64().get(index) != simdjson::SUCCESS) {
      index = id.empty() || id == last_id_ ? last_index_ : last_index_ + 1;
      if (index < 0) index = 0;
    }
    size_t ours = 0;
    while (ours < seen_.size() && seen_[ours] != index) ++ours;
    ToolCallDelta d;
    d.index = static_cast<int64_t>(ours);
    d.arguments.assign(StringOr(call["function"]["arguments"]));
    if (ours == seen_.size()) {
      seen_.push_back(index);
      d.id.assign(id.empty() ? "call_" + std::to_string(ours) : std::string(id));
      d.name.assign(StringOr(call["function"]["name"]));
    }
    last_index_ = index;
    if (!id.empty()) last_id_.assign(id);
    ApplyToolCallDelta(d, &s->answer.tool_calls);
    delta->tool_calls.push_back(std::move(d));
  }

  simdjson::dom::parser parser_;
  std::vector<int64_t> seen_;  // the provider's index of each call, in order
  int64_t last_index_ = -1;
  std::string last_id_;
};

}  // namespace

std::unique_ptr<StreamDecoder> MakeOpenAIStreamDecoder() {
  return std::make_unique<OpenAIStreamDecoder>();
}

}  // namespace switchyard
