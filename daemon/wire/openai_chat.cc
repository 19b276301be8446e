// OpenAI chat completions as switchyard writes it (providers' requests, the door's answers
// and chunks) and reads providers' answers; the door's requests are read in
// openai_request.cc.
#include "wire/openai_chat.h"

#include <simdjson.h>

#include "base/json_writer.h"
#include "wire/error_body.h"
#include "wire/json_read.h"
#include "wire/tool_ids.h"

namespace switchyard {

namespace {

void WriteToolCalls(JsonWriter& w, const std::vector<ToolCall>& calls) {
  w.Key("tool_calls").BeginArray();
  for (const ToolCall& c : calls) {
    w.BeginObject().Key("id").String(c.id).Key("type").String("function");
    w.Key("function").BeginObject().Key("name").String(c.name);
    w.Key("arguments").String(c.arguments).EndObject().EndObject();
  }
  w.EndArray();
}

void WriteUsage(JsonWriter& w, const Usage& u) {
  w.Key("usage").BeginObject();
  w.Key("prompt_tokens").Int(u.input_tokens);
  w.Key("completion_tokens").Int(u.output_tokens);
  w.Key("total_tokens").Int(u.input_tokens + u.output_tokens);
  w.EndObject();
}

}  // namespace

std::string ChatCompletionJson(const CompleteResult& r, int64_t created) {
  size_t bytes = r.content.size() + 320;
  for (const ToolCall& c : r.tool_calls) bytes += c.arguments.size() + c.name.size() + 96;
  JsonWriter w(bytes);
  w.BeginObject();
  w.Key("id").String("chatcmpl-sy-" + std::to_string(r.request_id));
  w.Key("object").String("chat.completion");
  w.Key("created").Int(created);
  w.Key("model").String(r.model);
  w.Key("choices").BeginArray().BeginObject();
  w.Key("index").Int(0);
  w.Key("message").BeginObject();
  w.Key("role").String("assistant").Key("content");
  // A turn that only calls tools has null content, as OpenAI sends it.
  if (r.content.empty() && !r.tool_calls.empty()) {
    w.Raw("null");
  } else {
    w.String(r.content);
  }
  if (!r.tool_calls.empty()) WriteToolCalls(w, r.tool_calls);
  w.Key("refusal").Raw("null");
  w.EndObject();
  w.Key("logprobs").Raw("null");
  w.Key("finish_reason").String(r.finish_reason.empty() ? "stop" : r.finish_reason);
  w.EndObject().EndArray();
  WriteUsage(w, r.usage);
  w.EndObject();
  return w.Take();
}

std::string ChatChunkJson(const ChunkEvent& e) {
  size_t bytes = e.content.size() + 200;
  if (e.tool_calls) {
    for (const ToolCallDelta& d : *e.tool_calls) bytes += d.arguments.size() + d.name.size() + 96;
  }
  JsonWriter w(bytes);
  w.BeginObject();
  w.Key("id").String(e.id);
  w.Key("object").String("chat.completion.chunk");
  w.Key("created").Int(e.created);
  w.Key("model").String(e.model);
  w.Key("choices").BeginArray();
  if (!e.usage) {
    w.BeginObject().Key("index").Int(0).Key("delta").BeginObject();
    if (e.first) w.Key("role").String("assistant");
    bool calls = e.tool_calls && !e.tool_calls->empty();
    if (calls) {
      // OpenAI's exact shape: a call's first delta names it, with empty arguments; later
      // deltas carry only its index and a piece of the arguments.
      if (e.first) w.Key("content").Raw("null");
      w.Key("tool_calls").BeginArray();
      for (const ToolCallDelta& d : *e.tool_calls) {
        w.BeginObject().Key("index").Int(d.index);
        if (!d.id.empty()) w.Key("id").String(d.id).Key("type").String("function");
        w.Key("function").BeginObject();
        if (!d.id.empty()) w.Key("name").String(d.name);
        w.Key("arguments").String(d.arguments).EndObject().EndObject();
      }
      w.EndArray();
    } else if (e.finish_reason.empty() || !e.content.empty()) {
      w.Key("content").String(e.content);
    }
    w.EndObject();
    w.Key("logprobs").Raw("null");
    w.Key("finish_reason");
    if (e.finish_reason.empty()) {
      w.Raw("null");
    } else {
      w.String(e.finish_reason);
    }
    w.EndObject();
  }
  w.EndArray();
  if (e.usage) WriteUsage(w, *e.usage);
  w.EndObject();
  return w.Take();
}

namespace {

void WriteContent(JsonWriter& w, const Message& m) {
  w.Key("content");
  if (m.parts.empty()) {
    if (m.content.empty() && !m.tool_calls.empty()) {
      w.Raw("null");
    } else {
      w.String(m.content);
    }
    return;
  }
  w.BeginArray();
  for (const ContentPart& p : m.parts) {
    w.BeginObject();
    if (p.kind == ContentPart::Kind::kText) {
      w.Key("type").String("text").Key("text").String(p.text);
    } else {
      w.Key("type").String("image_url").Key("image_url").BeginObject();
      w.Key("url").String(p.image_url);
      if (!p.detail.empty()) w.Key("detail").String(p.detail);
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

std::string EncodeOpenAIRequest(std::string_view model_id, const CompleteRequest& req,
                                const std::vector<Message>& messages, int64_t max_tokens) {
  size_t bytes = 256 + req.json_schema.schema.size();
  for (const Message& m : messages) {
    bytes += m.content.size() + 32;
    for (const ContentPart& p : m.parts) bytes += p.text.size() + p.image_url.size() + 48;
    for (const ToolCall& c : m.tool_calls) bytes += c.arguments.size() + 96;
  }
  for (const Tool& t : req.tools) bytes += t.parameters.size() + t.description.size() + 96;
  JsonWriter w(bytes);
  w.BeginObject().Key("model").String(model_id).Key("messages").BeginArray();
  for (const Message& m : messages) {
    w.BeginObject().Key("role").String(m.role);
    if (m.role == "tool") {
      w.Key("tool_call_id").String(OpenAIToolId(m.tool_call_id));
      // OpenAI has no flag for a failed call: the result says so in its text.
      if (m.is_error) {
        w.Key("content").String("Error: " + TextOf(m));
      } else {
        WriteContent(w, m);
      }
    } else {
      WriteContent(w, m);
    }
    if (!m.tool_calls.empty()) {
      std::vector<ToolCall> calls = m.tool_calls;
      for (ToolCall& c : calls) c.id = OpenAIToolId(c.id);
      WriteToolCalls(w, calls);
    }
    w.EndObject();
  }
  w.EndArray();
  // max_completion_tokens is the current field; max_tokens is deprecated and refused by
  // o-series models.
  w.Key("max_completion_tokens").Int(max_tokens);
  if (req.temperature) w.Key("temperature").Double(*req.temperature);
  if (req.top_p) w.Key("top_p").Double(*req.top_p);
  if (req.seed) w.Key("seed").Int(*req.seed);
  if (!req.stop.empty()) {
    w.Key("stop").BeginArray();
    for (const std::string& s : req.stop) w.String(s);
    w.EndArray();
  }
  if (!req.user.empty()) w.Key("user").String(req.user);
  if (!req.reasoning_effort.empty()) w.Key("reasoning_effort").String(req.reasoning_effort);
  if (!req.tools.empty()) {
    w.Key("tools").BeginArray();
    for (const Tool& t : req.tools) {
      w.BeginObject().Key("type").String("function").Key("function").BeginObject();
      w.Key("name").String(t.name);
      if (!t.description.empty()) w.Key("description").String(t.description);
      if (!t.parameters.empty()) w.Key("parameters").Raw(t.parameters);
      if (t.strict) w.Key("strict").Bool(true);
      w.EndObject().EndObject();
    }
    w.EndArray();
    // OpenAI refuses parallel_tool_calls on a request without tools.
    if (req.parallel_tool_calls) w.Key("parallel_tool_calls").Bool(*req.parallel_tool_calls);
  }
  const ToolChoice& choice = req.tool_choice;
  if (choice.mode == "function") {
    w.Key("tool_choice").BeginObject().Key("type").String("function");
    w.Key("function").BeginObject().Key("name").String(choice.name).EndObject().EndObject();
  } else if (!choice.mode.empty()) {
    w.Key("tool_choice").String(choice.mode);
  }
  if (!req.json_schema.schema.empty()) {
    w.Key("response_format").BeginObject().Key("type").String("json_schema");
    w.Key("json_schema").BeginObject();
    w.Key("name").String(req.json_schema.name.empty() ? "answer" : req.json_schema.name);
    w.Key("schema").Raw(req.json_schema.schema);
    if (req.json_schema.strict) w.Key("strict").Bool(true);
    w.EndObject().EndObject();
  } else if (req.json) {
    w.Key("response_format").BeginObject().Key("type").String("json_object").EndObject();
  }
  if (req.stream) {
    // Without include_usage a stream reports no tokens, and its cost would be a guess.
    w.Key("stream").Raw("true").Key("stream_options").BeginObject();
    w.Key("include_usage").Raw("true").EndObject();
  }
  w.EndObject();
  return w.Take();
}

ParsedResponse DecodeOpenAIResponse(const HttpReply& reply) {
  ParsedResponse r;
  simdjson::dom::element doc;
  if (!ReadAnswerBody(reply, &doc, &r)) return r;
  auto bad = [&r](std::string why) { return Bad(&r, std::move(why)); };
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
  simdjson::dom::array calls;
  if (message["tool_calls"].get_array().get(calls) == simdjson::SUCCESS) {
    for (simdjson::dom::element c : calls) {
      ToolCall call;
      if (c["id"].get_string().get(sv) == simdjson::SUCCESS) call.id.assign(sv);
      if (c["function"]["name"].get_string().get(sv) == simdjson::SUCCESS) call.name.assign(sv);
      if (c["function"]["arguments"].get_string().get(sv) == simdjson::SUCCESS) {
        call.arguments.assign(sv);
      }
      if (call.name.empty()) return bad("choices[0].message.tool_calls has a call without a name");
      // Some OpenAI-compatible servers (Gemini's) send "id": "": the client needs one to
      // answer the call by.
      if (call.id.empty()) call.id = "call_" + std::to_string(r.answer.tool_calls.size());
      r.answer.tool_calls.push_back(std::move(call));
    }
  }
  if (choice["finish_reason"].get_string().get(sv) == simdjson::SUCCESS) {
    r.answer.finish_reason.assign(sv);
  }
  // A turn that calls tools ends for that reason, whatever a server calls it ("stop").
  if (!r.answer.tool_calls.empty() && r.answer.finish_reason == "stop") {
    r.answer.finish_reason = "tool_calls";
  }
  simdjson::dom::object usage;
  if (doc["usage"].get_object().get(usage) == simdjson::SUCCESS) {
    int64_t n = 0;
    if (usage["prompt_tokens"].get_int64().get(n) == simdjson::SUCCESS) {
      r.answer.usage.input_tokens = n;
    }
    if (usage["completion_tokens"].get_int64().get(n) == simdjson::SUCCESS) {
      r.answer.usage.output_tokens = n;
    }
  }
  return r;
}

std::string OpenAIErrorJson(std::string_view message, std::string_view type,
                            std::string_view code) {
  JsonWriter w(message.size() + 96);
  w.BeginObject().Key("error").BeginObject();
  w.Key("message").String(message).Key("type").String(type).Key("code").String(code);
  w.EndObject().EndObject();
  return w.Take();
}

HttpError HttpErrorOf(std::string_view code) {
  if (code == "bad_request" || code == "request_rejected") return {400, "invalid_request_error"};
  if (code == "no_route") return {404, "invalid_request_error"};
  if (code == "overloaded") return {429, "rate_limit_error"};
  if (code == "shutting_down") return {503, "server_error"};
  if (code == "deadline_exceeded") return {504, "server_error"};
  return {502, "server_error"};  // all_models_failed, partial_answer, ...
}

}  // namespace switchyard
