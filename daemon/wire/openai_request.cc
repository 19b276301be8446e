// OpenAI chat completions requests as the front door reads them: a body into a
// CompleteRequest, every field checked and named in its error (wire/openai_chat.h).
#include <simdjson.h>

#include <algorithm>

#include "base/utf8.h"
#include "protocol/codec.h"
#include "wire/json_fields.h"
#include "wire/openai_chat.h"

namespace switchyard {
namespace {

// One part of a message's content: text, or an image by URL.
Status Part(const std::string& at, simdjson::dom::element part, bool images_allowed,
            ContentPart* out) {
  simdjson::dom::object o;
  if (part.get_object().get(o) != simdjson::SUCCESS) return ExpectType(at, part, "an object");
  std::string type;
  simdjson::dom::element v;
  if (o["type"].get(v) != simdjson::SUCCESS) return FieldError(at + ".type: is required");
  SY_RETURN_IF_ERROR(ReadText(at + ".type", v, &type));
  if (type == "text") {
    out->kind = ContentPart::Kind::kText;
    if (o["text"].get(v) != simdjson::SUCCESS) return FieldError(at + ".text: is required");
    return ReadText(at + ".text", v, &out->text);
  }
  if (type == "image_url" && images_allowed) {
    out->kind = ContentPart::Kind::kImage;
    simdjson::dom::object image;
    if (o["image_url"].get_object().get(image) != simdjson::SUCCESS) {
      return FieldError(at + ".image_url: expected an object with a url");
    }
    if (image["url"].get(v) != simdjson::SUCCESS)
      return FieldError(at + ".image_url.url: is required");
    SY_RETURN_IF_ERROR(ReadText(at + ".image_url.url", v, &out->image_url));
    if (image["detail"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      SY_RETURN_IF_ERROR(ReadText(at + ".image_url.detail", v, &out->detail));
    }
    return Status::Ok();
  }
  return FieldError(at + ".type: " + (images_allowed ? "text and image_url" : "only text") +
                    " parts are supported here, got '" + Printable(type) + "'");
}

// A message's content: a string, or an array of parts. Text alone is joined into `content`;
// parts holding an image are kept whole, in order, in `parts`.
Status Content(const std::string& path, simdjson::dom::element e, bool images_allowed,
               Message* out) {
  if (e.is_string()) return ReadText(path, e, &out->content);
  simdjson::dom::array list;
  if (e.get_array().get(list) != simdjson::SUCCESS) {
    return ExpectType(
        path, e,
        images_allowed ? "a string or an array of parts" : "a string or an array of text parts");
  }
  std::vector<ContentPart> parts;
  bool image = false;
  size_t i = 0;
  for (simdjson::dom::element part : list) {
    ContentPart p;
    SY_RETURN_IF_ERROR(Part(path + "[" + std::to_string(i++) + "]", part, images_allowed, &p));
    image = image || p.kind == ContentPart::Kind::kImage;
    parts.push_back(std::move(p));
  }
  if (image) {
    out->parts = std::move(parts);
    return Status::Ok();
  }
  for (const ContentPart& p : parts) {
    if (!out->content.empty()) out->content += "\n";
    out->content += p.text;
  }
  return Status::Ok();
}

Status ToolCalls(const std::string& path, simdjson::dom::element e, std::vector<ToolCall>* out) {
  simdjson::dom::array list;
  if (e.get_array().get(list) != simdjson::SUCCESS) return ExpectType(path, e, "an array");
  size_t i = 0;
  for (simdjson::dom::element c : list) {
    std::string at = path + "[" + std::to_string(i++) + "]";
    simdjson::dom::object o, fn;
    if (c.get_object().get(o) != simdjson::SUCCESS) return ExpectType(at, c, "an object");
    ToolCall call;
    simdjson::dom::element v;
    if (o["id"].get(v) != simdjson::SUCCESS) return FieldError(at + ".id: is required");
    SY_RETURN_IF_ERROR(ReadText(at + ".id", v, &call.id));
    std::string type = "function";
    if (o["type"].get(v) == simdjson::SUCCESS) SY_RETURN_IF_ERROR(ReadText(at + ".type", v, &type));
    if (type != "function") return FieldError(at + ".type: only function calls are supported");
    if (o["function"].get_object().get(fn) != simdjson::SUCCESS) {
      return FieldError(at + ".function: expected an object with name and arguments");
    }
    if (fn["name"].get(v) != simdjson::SUCCESS)
      return FieldError(at + ".function.name: is required");
    SY_RETURN_IF_ERROR(ReadText(at + ".function.name", v, &call.name));
    if (fn["arguments"].get(v) == simdjson::SUCCESS) {
      SY_RETURN_IF_ERROR(ReadText(at + ".function.arguments", v, &call.arguments));
    }
    out->push_back(std::move(call));
  }
  return Status::Ok();
}

Status Messages(simdjson::dom::element e, std::vector<Message>* out) {
  simdjson::dom::array list;
  if (e.get_array().get(list) != simdjson::SUCCESS) return ExpectType("messages", e, "an array");
  size_t i = 0;
  for (simdjson::dom::element m : list) {
    std::string at = "messages[" + std::to_string(i++) + "]";
    simdjson::dom::object o;
    if (m.get_object().get(o) != simdjson::SUCCESS) return ExpectType(at, m, "an object");
    Message msg;
    simdjson::dom::element v;
    if (o["role"].get(v) != simdjson::SUCCESS) return FieldError(at + ".role: is required");
    SY_RETURN_IF_ERROR(ReadText(at + ".role", v, &msg.role));
    // The newer name for system messages; OpenAI treats the two alike.
    if (msg.role == "developer") msg.role = "system";
    if (msg.role == "function") {
      return FieldError(at +
                        ".role: function messages are the deprecated form; send tool messages");
    }
    bool assistant = msg.role == "assistant";
    if (assistant && o["tool_calls"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      SY_RETURN_IF_ERROR(ToolCalls(at + ".tool_calls", v, &msg.tool_calls));
    }
    // An assistant turn that only calls tools may leave its content out or null.
    if (o["content"].get(v) != simdjson::SUCCESS || v.is_null()) {
      if (!(assistant && !msg.tool_calls.empty())) return FieldError(at + ".content: is required");
    } else {
      SY_RETURN_IF_ERROR(Content(at + ".content", v, msg.role == "user", &msg));
    }
    if (msg.role == "tool") {
      if (o["tool_call_id"].get(v) != simdjson::SUCCESS) {
        return FieldError(at + ".tool_call_id: is required for tool messages");
      }
      SY_RETURN_IF_ERROR(ReadText(at + ".tool_call_id", v, &msg.tool_call_id));
    }
    for (auto field : o) {
      std::string_view k = field.key;
      bool known =
          k == "role" || k == "content" || k == "name" ||
          (assistant && (k == "tool_calls" || (k == "refusal" && field.value.is_null()))) ||
          (msg.role == "tool" && k == "tool_call_id");
      if (!known) return FieldError(at + "." + Printable(k) + ": not supported");
    }
    out->push_back(std::move(msg));
  }
  return Status::Ok();
}

Status Tools(simdjson::dom::element e, std::vector<Tool>* out) {
  simdjson::dom::array list;
  if (e.get_array().get(list) != simdjson::SUCCESS) return ExpectType("tools", e, "an array");
  size_t i = 0;
  for (simdjson::dom::element t : list) {
    std::string at = "tools[" + std::to_string(i++) + "]";
    simdjson::dom::object o, fn;
    if (t.get_object().get(o) != simdjson::SUCCESS) return ExpectType(at, t, "an object");
    std::string type;
    simdjson::dom::element v;
    if (o["type"].get(v) != simdjson::SUCCESS) return FieldError(at + ".type: is required");
    SY_RETURN_IF_ERROR(ReadText(at + ".type", v, &type));
    if (type != "function") {
      return FieldError(at + ".type: only function tools are supported, got '" + Printable(type) +
                        "'");
    }
    if (o["function"].get_object().get(fn) != simdjson::SUCCESS) {
      return FieldError(at + ".function: expected an object");
    }
    Tool tool;
    if (fn["name"].get(v) != simdjson::SUCCESS)
      return FieldError(at + ".function.name: is required");
    SY_RETURN_IF_ERROR(ReadText(at + ".function.name", v, &tool.name));
    if (fn["description"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      SY_RETURN_IF_ERROR(ReadText(at + ".function.description", v, &tool.description));
    }
    if (fn["parameters"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      if (!v.is_object()) return ExpectType(at + ".function.parameters", v, "a JSON Schema object");
      tool.parameters = JsonText(v);
    }
    if (fn["strict"].get(v) == simdjson::SUCCESS && !v.is_null()) {
      SY_RETURN_IF_ERROR(ReadFlag(at + ".function.strict", v, &tool.strict));
    }
    for (auto field : fn) {
      std::string_view k = field.key;
      if (k != "name" && k != "description" && k != "parameters" && k != "strict") {
        return FieldError(at + ".function." + Printable(k) + ": not supported");
      }
    }
    out->push_back(std::move(tool));
  }
  return Status::Ok();
}

Status ToolChoiceOf(simdjson::dom::element e, ToolChoice* out) {
  if (e.is_string()) {
    SY_RETURN_IF_ERROR(ReadText("tool_choice", e, &out->mode));
    if (out->mode != "auto" && out->mode != "none" && out->mode != "required") {
      return FieldError("tool_choice: expected auto, none, required or a function, got '" +
                        Printable(out->mode) + "'");
    }
    return Status::Ok();
  }
  std::string_view name;
  if (!e.is_object() || e["function"]["name"].get_string().get(name) != simdjson::SUCCESS) {
    return FieldError(
        "tool_choice: expected \"auto\", \"none\", \"required\" or "
        "{\"type\": \"function\", \"function\": {\"name\": ...}}");
  }
  out->mode = "function";
  out->name.assign(name);
  return Status::Ok();
}

Status ResponseFormatOf(simdjson::dom::element v, CompleteRequest* req) {
  simdjson::dom::element t;
  std::string type;
  if (!v.is_object() || v["type"].get(t) != simdjson::SUCCESS) {
    return FieldError(
        "response_format: expected {\"type\": \"text\" | \"json_object\" | \"json_schema\"}");
  }
  SY_RETURN_IF_ERROR(ReadText("response_format.type", t, &type));
  if (type == "text") return Status::Ok();
  if (type == "json_object") {
    req->json = true;
    return Status::Ok();
  }
  if (type != "json_schema") {
    return FieldError("response_format.type: expected text, json_object or json_schema, got '" +
                      Printable(type) + "'");
  }
  simdjson::dom::object js;
  if (v["json_schema"].get_object().get(js) != simdjson::SUCCESS) {
    return FieldError("response_format.json_schema: expected {\"name\", \"schema\", \"strict\"}");
  }
  simdjson::dom::element f;
  if (js["name"].get(f) != simdjson::SUCCESS) {
    return FieldError("response_format.json_schema.name: is required");
  }
  SY_RETURN_IF_ERROR(ReadText("response_format.json_schema.name", f, &req->json_schema.name));
  if (js["schema"].get(f) != simdjson::SUCCESS || !f.is_object()) {
    return FieldError("response_format.json_schema.schema: expected a JSON Schema object");
  }
  req->json_schema.schema = JsonText(f);
  if (js["strict"].get(f) == simdjson::SUCCESS && !f.is_null()) {
    SY_RETURN_IF_ERROR(ReadFlag("response_format.json_schema.strict", f, &req->json_schema.strict));
  }
  req->json = true;
  return Status::Ok();
}

Status Stop(simdjson::dom::element v, std::vector<std::string>* out) {
  if (v.is_string()) {
    out->emplace_back();
    return ReadText("stop", v, &out->back());
  }
  simdjson::dom::array list;
  if (v.get_array().get(list) != simdjson::SUCCESS) {
    return ExpectType("stop", v, "a string or an array of strings");
  }
  size_t i = 0;
  for (simdjson::dom::element s : list) {
    out->emplace_back();
    SY_RETURN_IF_ERROR(ReadText("stop[" + std::to_string(i++) + "]", s, &out->back()));
  }
  return Status::Ok();
}

// Accepted for compatibility and not acted on: said in x-switchyard-ignored.
constexpr std::string_view kIgnorable[] = {"presence_penalty", "frequency_penalty", "logit_bias",
                                           "logprobs",         "top_logprobs",      "store",
                                           "service_tier",     "prediction"};

}  // namespace

Status ParseChatCompletion(std::string_view body, ChatCompletionRequest* out,
                           const ChatHeaders& headers) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (simdjson::error_code ec = parser.parse(body.data(), body.size(), true).get(doc);
      ec != simdjson::SUCCESS) {
    return FieldError(std::string("the body is not valid JSON: ") + simdjson::error_message(ec));
  }
  simdjson::dom::object top;
  if (doc.get_object().get(top) != simdjson::SUCCESS) return ExpectType("body", doc, "an object");
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
      SY_RETURN_IF_ERROR(ReadText("model", v, &req.route));
      have_model = true;
    } else if (key == "messages") {
      SY_RETURN_IF_ERROR(Messages(v, &req.messages));
      have_messages = true;
    } else if (key == "max_tokens" || key == "max_completion_tokens") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(ReadInteger(key, v, &req.max_tokens));
    } else if (key == "temperature" || key == "top_p") {
      double t;
      if (v.is_null()) continue;
      if (v.get_double().get(t) != simdjson::SUCCESS) return ExpectType(key, v, "a number");
      (key == "top_p" ? req.top_p : req.temperature) = t;
    } else if (key == "seed") {
      int64_t seed = 0;
      if (v.is_null()) continue;
      SY_RETURN_IF_ERROR(ReadInteger(key, v, &seed));
      req.seed = seed;
    } else if (key == "stop") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(Stop(v, &req.stop));
    } else if (key == "reasoning_effort") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(ReadText(key, v, &req.reasoning_effort));
    } else if (key == "tools") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(Tools(v, &req.tools));
    } else if (key == "tool_choice") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(ToolChoiceOf(v, &req.tool_choice));
    } else if (key == "parallel_tool_calls") {
      bool parallel = true;
      if (v.is_null()) continue;
      SY_RETURN_IF_ERROR(ReadFlag(key, v, &parallel));
      req.parallel_tool_calls = parallel;
    } else if (key == "functions" || key == "function_call") {
      return FieldError(key +
                        ": the deprecated form of function calling; send tools and tool_choice");
    } else if (key == "stream") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(ReadFlag(key, v, &req.stream));
    } else if (key == "stream_options") {
      simdjson::dom::element u;
      if (v.is_null()) continue;
      if (!v.is_object()) return ExpectType(key, v, "an object");
      if (v["include_usage"].get(u) == simdjson::SUCCESS) {
        SY_RETURN_IF_ERROR(ReadFlag("stream_options.include_usage", u, &r.include_usage));
      }
    } else if (key == "response_format") {
      if (!v.is_null()) SY_RETURN_IF_ERROR(ResponseFormatOf(v, &req));
    } else if (key == "n") {
      int64_t n = 1;
      if (!v.is_null()) SY_RETURN_IF_ERROR(ReadInteger(key, v, &n));
      if (n != 1)
        return FieldError("n: only 1 is supported (switchyard returns one answer per request)");
    } else if (key == "user") {
      if (v.is_null()) continue;
      SY_RETURN_IF_ERROR(ReadText(key, v, &req.user));
      req.metadata.emplace_back("user", req.user);
    } else if (key == "metadata") {
      simdjson::dom::object m;
      if (v.is_null()) continue;
      if (v.get_object().get(m) != simdjson::SUCCESS) return ExpectType(key, v, "an object");
      for (auto kv : m) {
        std::string value;
        SY_RETURN_IF_ERROR(ReadText("metadata." + Printable(kv.key), kv.value, &value));
        req.metadata.emplace_back(std::string(kv.key), std::move(value));
      }
    } else if (std::find(std::begin(kIgnorable), std::end(kIgnorable), key) !=
               std::end(kIgnorable)) {
      if (!v.is_null()) r.ignored.push_back(key);
    } else {
      return FieldError("Unrecognized request argument supplied: " + Printable(key));
    }
  }
  if (!have_model) return FieldError("model: is required (the name of a switchyard route)");
  if (!have_messages) return FieldError("messages: is required");
  SY_RETURN_IF_ERROR(CheckCompleteRequest(req));
  *out = std::move(r);
  return Status::Ok();
}

}  // namespace switchyard
