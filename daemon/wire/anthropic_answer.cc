// Anthropic's answers as the front door writes them: the message object, its stream of
// events, and its errors (wire/anthropic_messages.h).
#include <simdjson.h>

#include "base/json_writer.h"
#include "wire/anthropic_messages.h"
#include "wire/json_read.h"

namespace switchyard {
namespace {

// A tool call's arguments as the `input` object Anthropic's clients expect. Arguments the
// answer checks let through are an object; anything else (a check turned off) is kept
// whole as the string "arguments", never dropped.
void WriteInput(JsonWriter& w, const std::string& arguments) {
  simdjson::dom::element doc;
  if (arguments.empty()) {
    w.Raw("{}");
  } else if (ParseJson(arguments, arguments.capacity(), &doc) == simdjson::SUCCESS &&
             doc.is_object()) {
    w.Raw(arguments);
  } else {
    w.BeginObject().Key("arguments").String(arguments).EndObject();
  }
}

void WriteUsage(JsonWriter& w, const Usage& u) {
  w.Key("usage").BeginObject();
  w.Key("input_tokens").Int(u.input_tokens).Key("output_tokens").Int(u.output_tokens);
  w.EndObject();
}

std::string Event(std::string_view name, const std::string& json) {
  std::string e;
  e.reserve(json.size() + name.size() + 16);
  e.append("event: ").append(name).append("\ndata: ").append(json).append("\n\n");
  return e;
}

}  // namespace

std::string_view AnthropicStopReason(std::string_view f) {
  if (f == "length") return "max_tokens";
  if (f == "tool_calls") return "tool_use";
  if (f == "content_filter") return "refusal";
  return "end_turn";
}

std::string AnthropicMessageJson(const CompleteResult& r) {
  size_t bytes = r.content.size() + 320;
  for (const ToolCall& c : r.tool_calls) bytes += c.arguments.size() + c.name.size() + 96;
  JsonWriter w(bytes);
  w.BeginObject();
  w.Key("id").String("msg_sy_" + std::to_string(r.request_id));
  w.Key("type").String("message").Key("role").String("assistant");
  w.Key("model").String(r.model);
  w.Key("content").BeginArray();
  if (!r.content.empty() || r.tool_calls.empty()) {
    w.BeginObject().Key("type").String("text").Key("text").String(r.content).EndObject();
  }
  for (const ToolCall& c : r.tool_calls) {
    w.BeginObject().Key("type").String("tool_use").Key("id").String(c.id);
    w.Key("name").String(c.name).Key("input");
    WriteInput(w, c.arguments);
    w.EndObject();
  }
  w.EndArray();
  w.Key("stop_reason").String(AnthropicStopReason(r.finish_reason));
  w.Key("stop_sequence").Raw("null");
  WriteUsage(w, r.usage);
  w.EndObject();
  return w.Take();
}

std::string AnthropicStreamWriter::Start(int64_t input_tokens) {
  JsonWriter w(256);
  w.BeginObject().Key("type").String("message_start").Key("message").BeginObject();
  w.Key("id").String(id_).Key("type").String("message").Key("role").String("assistant");
  w.Key("model").String(model_).Key("content").BeginArray().EndArray();
  w.Key("stop_reason").Raw("null").Key("stop_sequence").Raw("null");
  WriteUsage(w, Usage{input_tokens, 0});
  w.EndObject().EndObject();
  return Event("message_start", w.Take()) + PingEvent();
}

std::string AnthropicStreamWriter::CloseBlock() {
  if (open_block_ < 0) return "";
  std::string e = Event("content_block_stop", R"({"type":"content_block_stop","index":)" +
                                                  std::to_string(open_block_) + "}");
  open_block_ = -1;
  return e;
}

std::string AnthropicStreamWriter::OpenBlock(const std::string& block_json) {
  std::string e = CloseBlock();
  open_block_ = next_block_++;
  e += Event("content_block_start", R"({"type":"content_block_start","index":)" +
                                        std::to_string(open_block_) + R"(,"content_block":)" +
                                        block_json + "}");
  return e;
}

std::string AnthropicStreamWriter::Delta(const StreamDelta& d) {
  std::string out;
  if (!d.text.empty()) {
    if (open_block_ < 0 || !open_is_text_) {
      out += OpenBlock(R"({"type":"text","text":""})");
      open_is_text_ = true;
    }
    JsonWriter w(d.text.size() + 96);
    w.BeginObject().Key("type").String("content_block_delta").Key("index").Int(open_block_);
    w.Key("delta").BeginObject().Key("type").String("text_delta").Key("text").String(d.text);
    w.EndObject().EndObject();
    out += Event("content_block_delta", w.Take());
  }
  for (const ToolCallDelta& c : d.tool_calls) {
    if (c.index < 0) continue;
    size_t index = static_cast<size_t>(c.index);
    if (!c.id.empty() || index >= tool_blocks_.size() || tool_blocks_[index] < 0) {
      JsonWriter b(c.id.size() + c.name.size() + 64);
      b.BeginObject().Key("type").String("tool_use").Key("id").String(c.id);
      b.Key("name").String(c.name).Key("input").Raw("{}").EndObject();
      out += OpenBlock(b.Take());
      open_is_text_ = false;
      if (index >= tool_blocks_.size()) tool_blocks_.resize(index + 1, -1);
      tool_blocks_[index] = open_block_;
    }
    if (c.arguments.empty()) continue;
    JsonWriter w(c.arguments.size() + 112);
    w.BeginObject().Key("type").String("content_block_delta");
    w.Key("index").Int(tool_blocks_[index]).Key("delta").BeginObject();
    w.Key("type").String("input_json_delta").Key("partial_json").String(c.arguments);
    w.EndObject().EndObject();
    out += Event("content_block_delta", w.Take());
  }
  return out;
}

std::string AnthropicStreamWriter::Finish(std::string_view finish_reason, const Usage& usage) {
  std::string out = CloseBlock();
  JsonWriter w(192);
  w.BeginObject().Key("type").String("message_delta").Key("delta").BeginObject();
  w.Key("stop_reason").String(AnthropicStopReason(finish_reason));
  w.Key("stop_sequence").Raw("null").EndObject();
  WriteUsage(w, usage);
  w.EndObject();
  out += Event("message_delta", w.Take());
  out += Event("message_stop", R"({"type":"message_stop"})");
  return out;
}

std::string AnthropicStreamWriter::PingEvent() { return Event("ping", R"({"type":"ping"})"); }

std::string AnthropicStreamWriter::ErrorEvent(std::string_view type, std::string_view message) {
  return Event("error", AnthropicErrorJson(type, message));
}

std::string AnthropicErrorJson(std::string_view type, std::string_view message) {
  JsonWriter w(message.size() + 96);
  w.BeginObject().Key("type").String("error").Key("error").BeginObject();
  w.Key("type").String(type).Key("message").String(message);
  w.EndObject().EndObject();
  return w.Take();
}

AnthropicError AnthropicErrorOf(const RpcError& e) {
  const std::string& code = e.code;
  if (code == "bad_request" || code == "request_rejected") return {400, "invalid_request_error"};
  if (code == "no_route") return {404, "not_found_error"};
  // The client is at its share of the daemon: a limit of its own, as Anthropic's 429.
  if (code == "overloaded") return {429, "rate_limit_error"};
  if (code == "shutting_down") return {503, "api_error"};
  if (code == "deadline_exceeded") return {504, "timeout_error"};
  // Every tier failed: when each was busy (rate limited, overloaded, its breaker open or its
  // slots full), say so the way Anthropic does, so the SDK backs off and retries.
  bool busy = !e.attempts.empty(), limited = !e.attempts.empty();
  for (const AttemptReport& a : e.attempts) {
    bool rate = a.outcome == "rate_limited";
    bool over = a.http_status == 529 || a.http_status == 503 || a.outcome == "overloaded" ||
                a.outcome == "breaker_open";
    busy = busy && (rate || over);
    limited = limited && rate;
  }
  if (limited) return {429, "rate_limit_error"};
  if (busy) return {529, "overloaded_error"};
  return {500, "api_error"};
}

AnthropicError AnthropicErrorOfStatus(int status) {
  switch (status) {
    case 401:
      return {401, "authentication_error"};
    case 403:
      return {403, "permission_error"};
    case 404:
      return {404, "not_found_error"};
    case 413:
      return {413, "request_too_large"};
    case 429:
      return {429, "rate_limit_error"};
    case 529:
      return {529, "overloaded_error"};
    default:
      return {status, status >= 500 ? "api_error" : "invalid_request_error"};
  }
}

}  // namespace switchyard
