// Anthropic messages (POST {base_url}/messages): system text is a top-level field, not a
// role; max_tokens is required; content comes back as typed blocks.
#include "providers/error_body.h"
#include "providers/json_read.h"
#include "providers/json_writer.h"
#include "providers/provider.h"

namespace switchyard {
namespace {

class AnthropicProvider final : public Provider {
 public:
  explicit AnthropicProvider(ProviderEndpoint endpoint) : endpoint_(std::move(endpoint)) {
    url_ = endpoint_.base_url + "/messages";
    std::vector<std::string> headers{"content-type: application/json",
                                     "anthropic-version: 2023-06-01"};
    if (!endpoint_.api_key.empty()) headers.push_back("x-api-key: " + endpoint_.api_key);
    headers_ = std::make_shared<const std::vector<std::string>>(std::move(headers));
  }

  HttpCallSpec Build(std::string_view model_id, const CompleteRequest& req,
                     const std::vector<Message>& messages, int64_t max_tokens) const override {
    size_t bytes = 128;
    std::string system;
    for (const Message& m : messages) {
      bytes += m.content.size() + 32;
      if (m.role == "system") {
        if (!system.empty()) system += "\n\n";
        system += m.content;
      }
    }
    JsonWriter w(bytes);
    w.BeginObject().Key("model").String(model_id).Key("max_tokens").Int(max_tokens);
    if (!system.empty()) w.Key("system").String(system);
    w.Key("messages").BeginArray();
    for (const Message& m : messages) {
      if (m.role == "system") continue;
      w.BeginObject().Key("role").String(m.role).Key("content").String(m.content).EndObject();
    }
    w.EndArray();
    if (req.temperature) w.Key("temperature").Double(*req.temperature);
    // Anthropic has no JSON mode; a json request is checked on the way back (answer/).
    if (req.stream) w.Key("stream").Raw("true");
    w.EndObject();
    return HttpCallSpec{url_, headers_, w.Take()};
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override {
    return MakeAnthropicStreamDecoder();
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
    std::string_view sv;
    if (doc["type"].get_string().get(sv) != simdjson::SUCCESS || sv != "message") {
      return bad("answer is not a message object");
    }
    simdjson::dom::array blocks;
    if (doc["content"].get_array().get(blocks) != simdjson::SUCCESS) {
      return bad("answer has no content array");
    }
    for (simdjson::dom::element block : blocks) {
      if (block["type"].get_string().get(sv) != simdjson::SUCCESS || sv != "text") continue;
      if (block["text"].get_string().get(sv) == simdjson::SUCCESS) r.answer.content.append(sv);
    }
    if (doc["stop_reason"].get_string().get(sv) == simdjson::SUCCESS) {
      r.answer.finish_reason = AnthropicFinishReason(sv);
    }
    simdjson::dom::object usage;
    if (doc["usage"].get_object().get(usage) == simdjson::SUCCESS) {
      int64_t n = 0;
      // Cached prompt tokens are reported apart from input_tokens; all of them filled the window.
      for (const char* k :
           {"input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}) {
        if (usage[k].get_int64().get(n) == simdjson::SUCCESS) r.answer.usage.input_tokens += n;
      }
      if (usage["output_tokens"].get_int64().get(n) == simdjson::SUCCESS) {
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

std::string AnthropicFinishReason(std::string_view s) {
  if (s == "end_turn" || s == "stop_sequence") return "stop";
  if (s == "max_tokens" || s == "model_context_window_exceeded") return "length";
  if (s == "tool_use") return "tool_calls";
  if (s == "refusal") return "content_filter";
  return std::string(s);
}

std::unique_ptr<Provider> MakeAnthropicProvider(ProviderEndpoint endpoint) {
  return std::make_unique<AnthropicProvider>(std::move(endpoint));
}

}  // namespace switchyard
