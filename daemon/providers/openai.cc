// OpenAI chat completions (POST {base_url}/chat/completions), also spoken by vLLM,
// llama.cpp and most OpenAI-compatible servers.
#include "providers/error_body.h"
#include "providers/json_read.h"
#include "providers/json_writer.h"
#include "providers/provider.h"

namespace switchyard {
namespace {

class OpenAIProvider final : public Provider {
 public:
  explicit OpenAIProvider(ProviderEndpoint endpoint) : endpoint_(std::move(endpoint)) {
    url_ = endpoint_.base_url + "/chat/completions";
    std::vector<std::string> headers{"Content-Type: application/json"};
    if (!endpoint_.api_key.empty()) headers.push_back("Authorization: Bearer " + endpoint_.api_key);
    headers_ = std::make_shared<const std::vector<std::string>>(std::move(headers));
  }

  HttpCallSpec Build(std::string_view model_id, const CompleteRequest& req,
                     const std::vector<Message>& messages, int64_t max_tokens) const override {
    size_t bytes = 128;
    for (const Message& m : messages) bytes += m.content.size() + 32;
    JsonWriter w(bytes);
    w.BeginObject().Key("model").String(model_id).Key("messages").BeginArray();
    for (const Message& m : messages) {
      w.BeginObject().Key("role").String(m.role).Key("content").String(m.content).EndObject();
    }
    w.EndArray();
    // max_completion_tokens is the current field; max_tokens is deprecated and refused by
    // o-series models.
    w.Key("max_completion_tokens").Int(max_tokens);
    if (req.temperature) w.Key("temperature").Double(*req.temperature);
    if (req.json)
      w.Key("response_format").BeginObject().Key("type").String("json_object").EndObject();
    if (req.stream) {
      // Without include_usage a stream reports no tokens, and its cost would be a guess.
      w.Key("stream")
          .Raw("true")
          .Key("stream_options")
          .BeginObject()
          .Key("include_usage")
          .Raw("true")
          .EndObject();
    }
    w.EndObject();
    return HttpCallSpec{url_, headers_, w.Take()};
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override {
    return MakeOpenAIStreamDecoder();
  }

  ParsedResponse Parse(const HttpReply& reply) const override {
    if (reply.status < 200 || reply.status >= 300) return ParseErrorReply(reply);
    ParsedResponse r;
    auto bad = [&r](std::string why) {
      r.outcome = Outcome::kBadResponse;
      r.reason = std::move(why);
      return r;
    };
    simdjson::dom::element doc;
    if (simdjson::error_code ec = ParseJson(reply.body, reply.body_capacity, &doc);
        ec != simdjson::SUCCESS) {
      // simdjson's words say which: not JSON at all, or JSON with bytes that are not UTF-8.
      return bad(std::string("answer is not valid JSON: ") + simdjson::error_message(ec));
    }
    simdjson::dom::array choices;
    if (doc["choices"].get_array().get(choices) != simdjson::SUCCESS) {
      return bad("answer has no choices array");
    }
    simdjson::dom::object choice;
    if (choices.at(0).get_object().get(choice) != simdjson::SUCCESS) {
      return bad("answer has no choices[0]");
    }
    simdjson::dom::object message;
    if (choice["message"].get_object().get(message) != simdjson::SUCCESS) {
      return bad("choices[0] has no message");
    }
    std::string_view sv;
    simdjson::dom::element content;
    if (message["content"].get(content) == simdjson::SUCCESS) {
      if (content.get_string().get(sv) == simdjson::SUCCESS) {
        r.answer.content.assign(sv);
      } else if (!content.is_null()) {
        return bad("choices[0].message.content is not a string");
      }
    }
    if (r.answer.content.empty() && message["refusal"].get_string().get(sv) == simdjson::SUCCESS) {
      r.answer.content.assign(sv);
    }
    if (choice["finish_reason"].get_string().get(sv) == simdjson::SUCCESS) {
      r.answer.finish_reason.assign(sv);
    }
    simdjson::dom::object usage;
    if (doc["usage"].get_object().get(usage) == simdjson::SUCCESS) {
      int64_t n = 0;
      if (usage["prompt_tokens"].get_int64().get(n) == simdjson::SUCCESS)
        r.answer.usage.input_tokens = n;
      if (usage["completion_tokens"].get_int64().get(n) == simdjson::SUCCESS) {
        r.answer.usage.output_tokens = n;
      }
    }
    return r;
  }

 private:
  ProviderEndpoint endpoint_;
  std::string url_;
  std::shared_ptr<const std::vector<std::string>> headers_;
};

}  // namespace

std::unique_ptr<Provider> MakeOpenAIProvider(ProviderEndpoint endpoint) {
  return std::make_unique<OpenAIProvider>(std::move(endpoint));
}

}  // namespace switchyard
