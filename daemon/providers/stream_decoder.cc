#include "providers/stream_decoder.h"

#include <simdjson.h>

#include "providers/error_body.h"
#include "providers/provider.h"

namespace switchyard {
namespace {

// The string at `r`, or "" when it is absent or not a string.
std::string_view StringOr(simdjson::simdjson_result<simdjson::dom::element> r) {
  std::string_view v;
  return r.get_string().get(v) == simdjson::SUCCESS ? v : std::string_view();
}

void Fail(StreamState* s, Outcome o, std::string reason) {
  s->failed = true;
  s->failure = o;
  s->reason = ReasonText(std::move(reason));
}

// OpenAI: data-only events, each a chat.completion.chunk, then "data: [DONE]". A final chunk
// with "choices": [] carries usage when include_usage was asked (and sometimes when not).
class OpenAIStreamDecoder final : public StreamDecoder {
 public:
  void OnEvent(const SseEvent& e, StreamState* s, std::string* delta) override {
    if (e.data == "[DONE]") {
      s->finished = true;
      return;
    }
    simdjson::dom::element doc;
    if (parser_.parse(e.data).get(doc) != simdjson::SUCCESS) {
      Fail(s, Outcome::kBadResponse, "stream chunk is not valid JSON");
      return;
    }
    simdjson::dom::object err;
    if (doc["error"].get_object().get(err) == simdjson::SUCCESS) {
      Fail(s, Outcome::kServerError, "stream error: " + std::string(StringOr(err["message"])));
      return;
    }
    simdjson::dom::array choices;
    if (doc["choices"].get_array().get(choices) == simdjson::SUCCESS) {
      for (simdjson::dom::element c : choices) {
        std::string_view text;
        if (c["delta"]["content"].get_string().get(text) == simdjson::SUCCESS && !text.empty()) {
          s->answer.content.append(text);
          delta->append(text);
        }
        std::string_view finish;
        if (c["finish_reason"].get_string().get(finish) == simdjson::SUCCESS) {
          s->answer.finish_reason.assign(finish);
        }
      }
    }
    simdjson::dom::object usage;
    if (doc["usage"].get_object().get(usage) == simdjson::SUCCESS) {
      int64_t n = 0;
      if (usage["prompt_tokens"].get_int64().get(n) == simdjson::SUCCESS)
        s->answer.usage.input_tokens = n;
      if (usage["completion_tokens"].get_int64().get(n) == simdjson::SUCCESS)
        s->answer.usage.output_tokens = n;
    }
  }

 private:
  simdjson::dom::parser parser_;
};

// Anthropic: named events; text arrives in content_block_delta (text_delta), the stop reason
// and cumulative usage in message_delta, and message_stop ends the stream. Unknown event
// types (ping, and any added later) are ignored, as the docs ask.
class AnthropicStreamDecoder final : public StreamDecoder {
 public:
  void OnEvent(const SseEvent& e, StreamState* s, std::string* delta) override {
    simdjson::dom::element doc;
    if (parser_.parse(e.data).get(doc) != simdjson::SUCCESS) {
      Fail(s, Outcome::kBadResponse, "stream event is not valid JSON");
      return;
    }
    std::string_view type;
    if (doc["type"].get_string().get(type) != simdjson::SUCCESS) type = e.event;
    int64_t n = 0;
    if (type == "message_start") {
      simdjson::dom::object u;
      if (doc["message"]["usage"].get_object().get(u) == simdjson::SUCCESS) ReadInput(u, s);
    } else if (type == "content_block_delta") {
      std::string_view text;
      if (doc["delta"]["text"].get_string().get(text) == simdjson::SUCCESS) {
        s->answer.content.append(text);
        delta->append(text);
      }
    } else if (type == "message_delta") {
      std::string_view stop;
      if (doc["delta"]["stop_reason"].get_string().get(stop) == simdjson::SUCCESS) {
        s->answer.finish_reason = AnthropicFinishReason(stop);
      }
      simdjson::dom::object u;
      if (doc["usage"].get_object().get(u) == simdjson::SUCCESS) {
        if (u["output_tokens"].get_int64().get(n) == simdjson::SUCCESS)
          s->answer.usage.output_tokens = n;
        if (u["input_tokens"].get_int64().get(n) == simdjson::SUCCESS) ReadInput(u, s);
      }
    } else if (type == "message_stop") {
      s->finished = true;
    } else if (type == "error") {
      std::string_view etype = StringOr(doc["error"]["type"]);
      std::string_view msg = StringOr(doc["error"]["message"]);
      Fail(s,
           etype == "overloaded_error" || etype == "api_error" ? Outcome::kServerError
                                                               : Outcome::kTransportError,
           "stream error " + std::string(etype) + ": " + std::string(msg));
    }
  }

 private:
  // Usage is cumulative, and cached prompt tokens are counted apart from input_tokens.
  static void ReadInput(simdjson::dom::object u, StreamState* s) {
    int64_t total = 0, n = 0;
    for (const char* k :
         {"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}) {
      if (u[k].get_int64().get(n) == simdjson::SUCCESS) total += n;
    }
    s->answer.usage.input_tokens = total;
    if (u["output_tokens"].get_int64().get(n) == simdjson::SUCCESS)
      s->answer.usage.output_tokens = n;
  }

  simdjson::dom::parser parser_;
};

}  // namespace

std::unique_ptr<StreamDecoder> MakeOpenAIStreamDecoder() {
  return std::make_unique<OpenAIStreamDecoder>();
}
std::unique_ptr<StreamDecoder> MakeAnthropicStreamDecoder() {
  return std::make_unique<AnthropicStreamDecoder>();
}

}  // namespace switchyard
