#include "protocol/openai_chat.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>

#include "base/utf8.h"
#include "protocol/codec.h"
#include "providers/json_writer.h"

namespace switchyard {
namespace {

Status Bad(const std::string& what) { return Status::InvalidArgument(what); }

std::string TypeName(simdjson::dom::element_type t) {
  switch (t) {
    case simdjson::dom::element_type::ARRAY:
      return "an array";
    case simdjson::dom::element_type::OBJECT:
      return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
      return "an integer";
    case simdjson::dom::element_type::DOUBLE:
      return "a number";
    case simdjson::dom::element_type::STRING:
      return "a string";
    case simdjson::dom::element_type::BOOL:
      return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE:
      return "null";
  }
  return "something else";
}

Status Expect(const std::string& path, simdjson::dom::element e, const char* want) {
  return Bad(path + ": expected " + want + ", got " + TypeName(e.type()));
}

Status Text(const std::string& path, simdjson::dom::element e, std::string* out) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return Expect(path, e, "a string");
  out->assign(s);
  return Status::Ok();
}

Status Integer(const std::string& path, simdjson::dom::element e, int64_t* out) {
  if (e.get_int64().get(*out) == simdjson::SUCCESS) return Status::Ok();
  double d;
  if (e.get_double().get(d) == simdjson::SUCCESS && d == std::floor(d) && std::fabs(d) < 9e15) {
    *out = static_cast<int64_t>(d);
    return Status::Ok();
  }
  return Expect(path, e, "an integer");
}

Status Flag(const std::string& path, simdjson::dom::element e, bool* out) {
  if (e.get_bool().get(*out) != simdjson::SUCCESS) return Expect(path, e, "a boolean");
  return Status::Ok();
}

// A message's content: a string, or an array of {"type": "text", "text": ...} parts.
Status Content(const std::string& path, simdjson::dom::element e, std::string* out) {
  if (e.is_string()) return Text(path, e, out);
  simdjson::dom::array parts;
  if (e.get_array().get(parts) != simdjson::SUCCESS) {
    return Expect(path, e, "a string or an array of text parts");
  }
  size_t i = 0;
  for (simdjson::dom::element part : parts) {
    std::string at = path + "[" + std::to_string(i++) + "]";
    simdjson::dom::object o;
    if (part.get_object().get(o) != simdjson::SUCCESS) return Expect(at, part, "an object");
    std::string type, text;
    simdjson::dom::element v;
    if (o["type"].get(v) != simdjson::SUCCESS) return Bad(at + ".type: is required");
    SY_RETURN_IF_ERROR(Text(at + ".type", v, &type));
    if (type != "text") {
      return Bad(at + ".type: only text parts are supported, got '" + Printable(type) + "'");
    }
    if (o["text"].get(v) != simdjson::SUCCESS) return Bad(at + ".text: is required");
    SY_RETURN_IF_ERROR(Text(at + ".text", v, &text));
    if (!out->empty()) *out += "\n";
    *out += text;
  }
  return Status::Ok();
}

Status Messages(simdjson::dom::element e, std::vector<Message>* out) {
  simdjson::dom::array list;
  if (e.get_array().get(list) != simdjson::SUCCESS) return Expect("messages", e, "an array");
  size_t i = 0;
  for (simdjson::dom::element m : list) {
    std::string at = "messages[" + std::to_string(i++) + "]";
    simdjson::dom::object o;
    if (m.get_object().get(o) != simdjson::SUCCESS) return Expect(at, m, "an object");
    Message msg;
    simdjson::dom::element v;
    if (o["role"].get(v) != simdjson::SUCCESS) return Bad(at + ".role: is required");
    SY_RETURN_IF_ERROR(Text(at + ".role", v, &msg.role));
    if (msg.role == "developer") msg.role = "system";  // the newer name for system messages
    if (msg.role == "tool" || msg.role == "function") {
      return Bad(at + ".role: tool messages are not supported (switchyard routes text chats)");
    }
    if (o["content"].get(v) != simdjson::SUCCESS) return Bad(at + ".content: is required");
    SY_RETURN_IF_ERROR(Content(at + ".content", v, &msg.content));
    for (auto field : o) {
      std::string_view k = field.key;
      if (k != "role" && k != "content" && k != "name") {
        return Bad(at + "." + Printable(k) + ": not supported");
      }
    }
    out->push_back(std::move(msg));
  }
  return Status::Ok();
}

constexpr std::string_view kIgnorable[] = {
    "top_p",        "seed",     "presence_penalty", "frequency_penalty",
    "logit_bias",   "logprobs", "top_logprobs",     "store",
    "service_tier", "stop",     "prediction",       "reasoning_effort"};

constexpr std::string_view kTools[] = {"tools", "tool_choice", "functions", "function_call",
                                       "parallel_tool_calls"};

}  // namespace

Status ParseChatCompletion(std::string_view body, ChatCompletionRequest* out,
                           const ChatHeaders& headers) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (simdjson::error_code ec = parser.parse(body.data(), body.size(), true).get(doc);
      ec != simdjson::SUCCESS) {
    return Bad(std::string("the body is not valid JSON: ") + simdjson::error_message(ec));
  }
  simdjson::dom::object top;
  if (doc.get_object().get(top) != simdjson::SUCCESS) return Expect("body", doc, "an object");
  ChatCompletionRequest r;
  CompleteRequest& req = r.req;
  req.max_tokens = kDefaultMaxTokens;
  req.task = headers.task;
  req.deadline_ms = headers.deadline_ms;
  bool have_model = false, have_messages = false;
  for (auto field : top) {
    std::string key(field.key);
    simdjson::dom::element v = field.value;
    if (key == "model") {
      SY_RETURN_IF_ERROR(Text("model", v, &req.route));
      have_model = true;
    } else if (key == "messages") {
      SY_RETURN_IF_ERROR(Messages(v, &req.messages));
      have_messages = true;
    } else if (key == "max_tokens" || key == "max_completion_tokens") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(Integer(key, v, &req.max_tokens));
    } else if (key == "temperature") {
      double t;
      if (v.is_null()) continue;
      if (v.get_double().get(t) != simdjson::SUCCESS) return Expect(key, v, "a number");
      req.temperature = t;
    } else if (key == "stream") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(Flag(key, v, &req.stream));
    } else if (key == "stream_options") {
      simdjson::dom::element u;
      if (v.is_null()) continue;
      if (!v.is_object()) return Expect(key, v, "an object");
      if (v["include_usage"].get(u) == simdjson::SUCCESS) {
        SY_RETURN_IF_ERROR(Flag("stream_options.include_usage", u, &r.include_usage));
      }
    } else if (key == "response_format") {
      simdjson::dom::element t;
      std::string type;
      if (v.is_null()) continue;
      if (!v.is_object() || v["type"].get(t) != simdjson::SUCCESS) {
        return Bad(
            "response_format: expected {\"type\": \"text\" | \"json_object\" | \"json_schema\"}");
      }
      SY_RETURN_IF_ERROR(Text("response_format.type", t, &type));
      if (type == "json_object" || type == "json_schema") {
        req.json = true;  // the answer is checked to be JSON; a schema is not enforced
        if (type == "json_schema") r.ignored.push_back("response_format.json_schema");
      } else if (type != "text") {
        return Bad("response_format.type: expected text, json_object or json_schema, got '" +
                   Printable(type) + "'");
      }
    } else if (key == "n") {
      int64_t n = 1;
      if (!v.is_null()) SY_RETURN_IF_ERROR(Integer(key, v, &n));
      if (n != 1) return Bad("n: only 1 is supported");
    } else if (key == "user") {
      std::string user;
      SY_RETURN_IF_ERROR(Text(key, v, &user));
      req.metadata.emplace_back("user", std::move(user));
    } else if (key == "metadata") {
      simdjson::dom::object m;
      if (v.is_null()) continue;
      if (v.get_object().get(m) != simdjson::SUCCESS) return Expect(key, v, "an object");
      for (auto kv : m) {
        std::string value;
        SY_RETURN_IF_ERROR(Text("metadata." + Printable(kv.key), kv.value, &value));
        req.metadata.emplace_back(std::string(kv.key), std::move(value));
      }
    } else if (std::find(std::begin(kTools), std::end(kTools), key) != std::end(kTools)) {
      return Bad(key + ": tools and function calling are not supported by switchyard");
    } else if (std::find(std::begin(kIgnorable), std::end(kIgnorable), key) !=
               std::end(kIgnorable)) {
      if (!v.is_null()) r.ignored.push_back(key);
    } else {
      return Bad("Unrecognized request argument supplied: " + Printable(key));
    }
  }
  if (!have_model) return Bad("model: is required (the name of a switchyard route)");
  if (!have_messages) return Bad("messages: is required");
  SY_RETURN_IF_ERROR(CheckCompleteRequest(req));
  *out = std::move(r);
  return Status::Ok();
}

std::string ChatCompletionJson(const CompleteResult& r, int64_t created) {
  JsonWriter w(r.content.size() + 320);
  w.BeginObject();
  w.Key("id").String("chatcmpl-sy-" + std::to_string(r.request_id));
  w.Key("object").String("chat.completion");
  w.Key("created").Int(created);
  w.Key("model").String(r.model);
  w.Key("choices").BeginArray().BeginObject();
  w.Key("index").Int(0);
  w.Key("message").BeginObject();
  w.Key("role").String("assistant").Key("content").String(r.content).Key("refusal").Raw("null");
  w.EndObject();
  w.Key("logprobs").Raw("null");
  w.Key("finish_reason").String(r.finish_reason.empty() ? "stop" : r.finish_reason);
  w.EndObject().EndArray();
  w.Key("usage").BeginObject();
  w.Key("prompt_tokens").Int(r.usage.input_tokens);
  w.Key("completion_tokens").Int(r.usage.output_tokens);
  w.Key("total_tokens").Int(r.usage.input_tokens + r.usage.output_tokens);
  w.EndObject();
  w.EndObject();
  return w.Take();
}

std::string ChatChunkJson(const ChunkEvent& e) {
  JsonWriter w(e.content.size() + 200);
  w.BeginObject();
  w.Key("id").String(e.id);
  w.Key("object").String("chat.completion.chunk");
  w.Key("created").Int(e.created);
  w.Key("model").String(e.model);
  w.Key("choices").BeginArray();
  if (!e.usage) {
    w.BeginObject().Key("index").Int(0).Key("delta").BeginObject();
    if (e.first) w.Key("role").String("assistant");
    if (e.finish_reason.empty() || !e.content.empty()) w.Key("content").String(e.content);
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
  if (e.usage) {
    w.Key("usage").BeginObject();
    w.Key("prompt_tokens").Int(e.usage->input_tokens);
    w.Key("completion_tokens").Int(e.usage->output_tokens);
    w.Key("total_tokens").Int(e.usage->input_tokens + e.usage->output_tokens);
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
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
