// Anthropic messages requests as the front door reads them: a body into a CompleteRequest,
// every field checked and named in its error (wire/anthropic_messages.h).
#include <simdjson.h>

#include <algorithm>

#include "base/utf8.h"
#include "protocol/codec.h"
#include "wire/anthropic_messages.h"
#include "wire/json_fields.h"

namespace switchyard {
namespace {

using Object = simdjson::dom::object;
using Element = simdjson::dom::element;

std::string Index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// A block's cache_control, as JSON text; "" when absent.
Status CacheControlOf(const std::string& at, Object o, std::string* out) {
  Element v;
  if (o["cache_control"].get(v) != simdjson::SUCCESS || v.is_null()) return Status::Ok();
  if (!v.is_object()) return ExpectType(at + ".cache_control", v, "an object");
  *out = JsonText(v);
  return Status::Ok();
}

// Every key of `o` is one of `known`.
Status OnlyKnown(const std::string& at, Object o, std::initializer_list<std::string_view> known) {
  for (auto field : o) {
    if (std::find(known.begin(), known.end(), field.key) == known.end()) {
      return FieldError(at + "." + Printable(field.key) + ": not supported");
    }
  }
  return Status::Ok();
}

Status TypeOf(const std::string& at, Object o, std::string* type) {
  Element v;
  if (o["type"].get(v) != simdjson::SUCCESS) return FieldError(at + ".type: is required");
  return ReadText(at + ".type", v, type);
}

// A content block `e` at `at`: its object and its type.
Status BlockOf(const std::string& at, Element e, Object* o, std::string* type) {
  if (e.get_object().get(*o) != simdjson::SUCCESS) return ExpectType(at, e, "an object");
  return TypeOf(at, *o, type);
}

Status TextBlock(const std::string& at, Object o, ContentPart* out) {
  Element v;
  out->kind = ContentPart::Kind::kText;
  if (o["text"].get(v) != simdjson::SUCCESS) return FieldError(at + ".text: is required");
  SY_RETURN_IF_ERROR(ReadText(at + ".text", v, &out->text));
  SY_RETURN_IF_ERROR(CacheControlOf(at, o, &out->cache_control));
  // Citations come back from documents, which switchyard does not take; null is harmless.
  if (o["citations"].get(v) == simdjson::SUCCESS && !v.is_null()) {
    return FieldError(at + ".citations: not supported");
  }
  return OnlyKnown(at, o, {"type", "text", "cache_control", "citations"});
}

// An image block as the chat model's image part: base64 bytes as a data: URL.
Status ImageBlock(const std::string& at, Object o, ContentPart* out) {
  out->kind = ContentPart::Kind::kImage;
  Object source;
  if (o["source"].get_object().get(source) != simdjson::SUCCESS) {
    return FieldError(at + ".source: expected an object with a type");
  }
  std::string type;
  SY_RETURN_IF_ERROR(TypeOf(at + ".source", source, &type));
  Element v;
  if (type == "base64") {
    std::string media_type, data;
    if (source["media_type"].get(v) != simdjson::SUCCESS) {
      return FieldError(at + ".source.media_type: is required");
    }
    SY_RETURN_IF_ERROR(ReadText(at + ".source.media_type", v, &media_type));
    if (source["data"].get(v) != simdjson::SUCCESS) {
      return FieldError(at + ".source.data: is required");
    }
    SY_RETURN_IF_ERROR(ReadText(at + ".source.data", v, &data));
    out->image_url = "data:" + media_type + ";base64," + data;
  } else if (type == "url") {
    if (source["url"].get(v) != simdjson::SUCCESS) {
      return FieldError(at + ".source.url: is required");
    }
    SY_RETURN_IF_ERROR(ReadText(at + ".source.url", v, &out->image_url));
  } else {
    return FieldError(at + ".source.type: expected base64 or url, got '" + Printable(type) + "'");
  }
  SY_RETURN_IF_ERROR(CacheControlOf(at, o, &out->cache_control));
  return OnlyKnown(at, o, {"type", "source", "cache_control"});
}

Status NotCarried(const std::string& at, const std::string& type) {
  if (type == "thinking" || type == "redacted_thinking") {
    return FieldError(at + ".type: " + type +
                      " blocks are not carried between tiers; send the turn without them");
  }
  return FieldError(at + ".type: expected text, image, tool_use or tool_result, got '" +
                    Printable(type) + "'");
}

// A tool_result block as a tool message: its content is a string or text blocks (images in
// results are refused: OpenAI tiers take text only).
Status ToolResult(const std::string& at, Object o, Message* out) {
  out->role = "tool";
  Element v;
  if (o["tool_use_id"].get(v) != simdjson::SUCCESS) {
    return FieldError(at + ".tool_use_id: is required");
  }
  SY_RETURN_IF_ERROR(ReadText(at + ".tool_use_id", v, &out->tool_call_id));
  if (o["is_error"].get(v) == simdjson::SUCCESS && !v.is_null()) {
    SY_RETURN_IF_ERROR(ReadFlag(at + ".is_error", v, &out->is_error));
  }
  SY_RETURN_IF_ERROR(CacheControlOf(at, o, &out->cache_control));
  if (o["content"].get(v) == simdjson::SUCCESS && !v.is_null()) {
    if (v.is_string()) {
      SY_RETURN_IF_ERROR(ReadText(at + ".content", v, &out->content));
    } else {
      simdjson::dom::array list;
      if (v.get_array().get(list) != simdjson::SUCCESS) {
        return ExpectType(at + ".content", v, "a string or an array of text blocks");
      }
      size_t i = 0;
      for (Element b : list) {
        std::string bat = Index(at + ".content", i++);
        Object bo;
        std::string type;
        SY_RETURN_IF_ERROR(BlockOf(bat, b, &bo, &type));
        if (type != "text") {
          return FieldError(bat + ".type: tool results carry text only, got '" + Printable(type) +
                            "'");
        }
        ContentPart p;
        SY_RETURN_IF_ERROR(TextBlock(bat, bo, &p));
        if (!out->content.empty()) out->content += "\n";
        out->content += p.text;
      }
    }
  }
  return OnlyKnown(at, o, {"type", "tool_use_id", "content", "is_error", "cache_control"});
}

Status ToolUse(const std::string& at, Object o, ToolCall* out) {
  Element v;
  if (o["id"].get(v) != simdjson::SUCCESS) return FieldError(at + ".id: is required");
  SY_RETURN_IF_ERROR(ReadText(at + ".id", v, &out->id));
  if (o["name"].get(v) != simdjson::SUCCESS) return FieldError(at + ".name: is required");
  SY_RETURN_IF_ERROR(ReadText(at + ".name", v, &out->name));
  if (o["input"].get(v) != simdjson::SUCCESS || !v.is_object()) {
    return FieldError(at + ".input: expected an object");
  }
  out->arguments = JsonText(v);
  SY_RETURN_IF_ERROR(CacheControlOf(at, o, &out->cache_control));
  // `caller` is Anthropic's own note of who made the call (the model, or code it ran): it
  // came from an Anthropic answer, and no tier needs it back.
  return OnlyKnown(at, o, {"type", "id", "name", "input", "cache_control", "caller"});
}

// Text and image parts into one message: text alone is joined into `content`; parts holding
// an image or a cache breakpoint are kept whole, in order.
void SetParts(std::vector<ContentPart> parts, Message* m) {
  bool whole = false;
  for (const ContentPart& p : parts) {
    whole = whole || p.kind == ContentPart::Kind::kImage || !p.cache_control.empty();
  }
  if (whole) {
    m->parts = std::move(parts);
    return;
  }
  for (const ContentPart& p : parts) {
    if (!m->content.empty()) m->content += "\n";
    m->content += p.text;
  }
}

// One Anthropic message: a user turn becomes its tool results (one tool message each, first,
// as Anthropic orders them) and then its text and images; an assistant turn becomes one
// message with its text and tool calls.
Status MessageOf(const std::string& at, Element e, std::vector<Message>* out) {
  Object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return ExpectType(at, e, "an object");
  Element v;
  std::string role;
  if (o["role"].get(v) != simdjson::SUCCESS) return FieldError(at + ".role: is required");
  SY_RETURN_IF_ERROR(ReadText(at + ".role", v, &role));
  if (role != "user" && role != "assistant") {
    return FieldError(at + ".role: expected user or assistant, got '" + Printable(role) + "'");
  }
  SY_RETURN_IF_ERROR(OnlyKnown(at, o, {"role", "content"}));
  Message msg;
  msg.role = role;
  if (o["content"].get(v) != simdjson::SUCCESS) return FieldError(at + ".content: is required");
  if (v.is_string()) {
    SY_RETURN_IF_ERROR(ReadText(at + ".content", v, &msg.content));
    out->push_back(std::move(msg));
    return Status::Ok();
  }
  simdjson::dom::array blocks;
  if (v.get_array().get(blocks) != simdjson::SUCCESS) {
    return ExpectType(at + ".content", v, "a string or an array of content blocks");
  }
  std::vector<ContentPart> parts;
  size_t i = 0;
  for (Element b : blocks) {
    std::string bat = Index(at + ".content", i++);
    Object bo;
    std::string type;
    SY_RETURN_IF_ERROR(BlockOf(bat, b, &bo, &type));
    if (type == "text") {
      parts.emplace_back();
      SY_RETURN_IF_ERROR(TextBlock(bat, bo, &parts.back()));
    } else if (type == "image" && role == "user") {
      parts.emplace_back();
      SY_RETURN_IF_ERROR(ImageBlock(bat, bo, &parts.back()));
    } else if (type == "tool_use" && role == "assistant") {
      msg.tool_calls.emplace_back();
      SY_RETURN_IF_ERROR(ToolUse(bat, bo, &msg.tool_calls.back()));
    } else if (type == "tool_result" && role == "user") {
      Message result;
      SY_RETURN_IF_ERROR(ToolResult(bat, bo, &result));
      out->push_back(std::move(result));
    } else if (type == "image" || type == "tool_use" || type == "tool_result") {
      std::string why = bat;
      why += ".type: " + type;
      why += type == "tool_use" ? " blocks belong in assistant messages"
                                : " blocks belong in user messages";
      return FieldError(why);
    } else {
      return NotCarried(bat, type);
    }
  }
  SetParts(std::move(parts), &msg);
  // A user turn of tool results alone has nothing more to say.
  if (role == "user" && msg.content.empty() && msg.parts.empty() && i > 0 && !out->empty() &&
      out->back().role == "tool") {
    return Status::Ok();
  }
  out->push_back(std::move(msg));
  return Status::Ok();
}

Status SystemOf(Element v, std::vector<Message>* out) {
  Message sys;
  sys.role = "system";
  if (v.is_string()) {
    SY_RETURN_IF_ERROR(ReadText("system", v, &sys.content));
    out->push_back(std::move(sys));
    return Status::Ok();
  }
  simdjson::dom::array blocks;
  if (v.get_array().get(blocks) != simdjson::SUCCESS) {
    return ExpectType("system", v, "a string or an array of text blocks");
  }
  std::vector<ContentPart> parts;
  size_t i = 0;
  for (Element b : blocks) {
    std::string at = Index("system", i++);
    Object bo;
    std::string type;
    SY_RETURN_IF_ERROR(BlockOf(at, b, &bo, &type));
    if (type != "text") return FieldError(at + ".type: system blocks are text only");
    parts.emplace_back();
    SY_RETURN_IF_ERROR(TextBlock(at, bo, &parts.back()));
  }
  SetParts(std::move(parts), &sys);
  out->push_back(std::move(sys));
  return Status::Ok();
}

Status ToolsOf(Element v, std::vector<Tool>* out) {
  simdjson::dom::array list;
  if (v.get_array().get(list) != simdjson::SUCCESS) return ExpectType("tools", v, "an array");
  size_t i = 0;
  for (Element t : list) {
    std::string at = Index("tools", i++);
    Object o;
    if (t.get_object().get(o) != simdjson::SUCCESS) return ExpectType(at, t, "an object");
    Element f;
    std::string type = "custom";
    if (o["type"].get(f) == simdjson::SUCCESS && !f.is_null()) {
      SY_RETURN_IF_ERROR(ReadText(at + ".type", f, &type));
    }
    if (type != "custom") {
      return FieldError(at + ".type: Anthropic's server tools run at Anthropic only; '" +
                        Printable(type) + "' cannot fall back to another provider");
    }
    Tool tool;
    if (o["name"].get(f) != simdjson::SUCCESS) return FieldError(at + ".name: is required");
    SY_RETURN_IF_ERROR(ReadText(at + ".name", f, &tool.name));
    if (o["description"].get(f) == simdjson::SUCCESS && !f.is_null()) {
      SY_RETURN_IF_ERROR(ReadText(at + ".description", f, &tool.description));
    }
    if (o["input_schema"].get(f) != simdjson::SUCCESS || !f.is_object()) {
      return FieldError(at + ".input_schema: expected a JSON Schema object");
    }
    tool.parameters = JsonText(f);
    SY_RETURN_IF_ERROR(CacheControlOf(at, o, &tool.cache_control));
    SY_RETURN_IF_ERROR(
        OnlyKnown(at, o, {"type", "name", "description", "input_schema", "cache_control"}));
    out->push_back(std::move(tool));
  }
  return Status::Ok();
}

Status ToolChoiceOf(Element v, CompleteRequest* req) {
  Object o;
  if (v.get_object().get(o) != simdjson::SUCCESS) {
    return ExpectType("tool_choice", v, "an object with a type");
  }
  std::string type;
  SY_RETURN_IF_ERROR(TypeOf("tool_choice", o, &type));
  ToolChoice& c = req->tool_choice;
  if (type == "auto" || type == "none") {
    c.mode = type;
  } else if (type == "any") {
    c.mode = "required";
  } else if (type == "tool") {
    c.mode = "function";
    Element n;
    if (o["name"].get(n) != simdjson::SUCCESS) return FieldError("tool_choice.name: is required");
    SY_RETURN_IF_ERROR(ReadText("tool_choice.name", n, &c.name));
  } else {
    return FieldError("tool_choice.type: expected auto, any, tool or none, got '" +
                      Printable(type) + "'");
  }
  Element d;
  if (o["disable_parallel_tool_use"].get(d) == simdjson::SUCCESS && !d.is_null()) {
    bool disable = false;
    SY_RETURN_IF_ERROR(ReadFlag("tool_choice.disable_parallel_tool_use", d, &disable));
    if (disable) req->parallel_tool_calls = false;
  }
  return OnlyKnown("tool_choice", o, {"type", "name", "disable_parallel_tool_use"});
}

Status ThinkingOf(Element v, std::string* out) {
  Object o;
  std::string type;
  if (v.get_object().get(o) != simdjson::SUCCESS) return ExpectType("thinking", v, "an object");
  SY_RETURN_IF_ERROR(TypeOf("thinking", o, &type));
  if (type == "enabled") {
    Element b;
    int64_t budget = 0;
    if (o["budget_tokens"].get(b) != simdjson::SUCCESS) {
      return FieldError("thinking.budget_tokens: is required when thinking is enabled");
    }
    SY_RETURN_IF_ERROR(ReadInteger("thinking.budget_tokens", b, &budget));
  } else if (type != "disabled") {
    return FieldError("thinking.type: expected enabled or disabled, got '" + Printable(type) + "'");
  }
  *out = JsonText(v);
  return Status::Ok();
}

Status StopSequences(Element v, std::vector<std::string>* out) {
  simdjson::dom::array list;
  if (v.get_array().get(list) != simdjson::SUCCESS) {
    return ExpectType("stop_sequences", v, "an array of strings");
  }
  size_t i = 0;
  for (Element s : list) {
    out->emplace_back();
    SY_RETURN_IF_ERROR(ReadText(Index("stop_sequences", i++), s, &out->back()));
  }
  return Status::Ok();
}

// Accepted and not acted on: said in x-switchyard-ignored.
constexpr std::string_view kIgnorable[] = {"service_tier"};

}  // namespace

Status ParseAnthropicMessages(std::string_view body, MessagesRequest* out,
                              const ChatHeaders& headers, bool count_only) {
  thread_local simdjson::dom::parser parser;
  Element doc;
  if (simdjson::error_code ec = parser.parse(body.data(), body.size(), true).get(doc);
      ec != simdjson::SUCCESS) {
    return FieldError(std::string("the body is not valid JSON: ") + simdjson::error_message(ec));
  }
  Object top;
  if (doc.get_object().get(top) != simdjson::SUCCESS) return ExpectType("body", doc, "an object");
  MessagesRequest r;
  CompleteRequest& req = r.req;
  req.task = headers.task;
  req.deadline_ms = headers.deadline_ms;
  bool have_model = false, have_messages = false, have_max_tokens = false;
  Element system;
  bool have_system = false;
  for (auto field : top) {
    std::string key(field.key);
    Element v = field.value;
    if (key == "model") {
      SY_RETURN_IF_ERROR(ReadText("model", v, &req.route));
      have_model = true;
    } else if (key == "messages") {
      simdjson::dom::array list;
      if (v.get_array().get(list) != simdjson::SUCCESS) {
        return ExpectType("messages", v, "an array");
      }
      size_t i = 0;
      for (Element m : list)
        SY_RETURN_IF_ERROR(MessageOf(Index("messages", i++), m, &req.messages));
      have_messages = true;
    } else if (key == "system") {
      system = v;
      have_system = !v.is_null();
    } else if (key == "max_tokens") {
      SY_RETURN_IF_ERROR(ReadInteger(key, v, &req.max_tokens));
      have_max_tokens = true;
    } else if (key == "temperature" || key == "top_p") {
      double d = 0;
      SY_RETURN_IF_ERROR(ReadNumber(key, v, &d));
      (key == "top_p" ? req.top_p : req.temperature) = d;
    } else if (key == "top_k") {
      int64_t k = 0;
      SY_RETURN_IF_ERROR(ReadInteger(key, v, &k));
      if (k < 0) return FieldError("top_k: must not be negative");
      req.top_k = k;
    } else if (key == "stop_sequences") {
      SY_RETURN_IF_ERROR(StopSequences(v, &req.stop));
    } else if (key == "stream") {
      SY_RETURN_IF_ERROR(ReadFlag(key, v, &req.stream));
    } else if (key == "tools") {
      SY_RETURN_IF_ERROR(ToolsOf(v, &req.tools));
    } else if (key == "tool_choice") {
      SY_RETURN_IF_ERROR(ToolChoiceOf(v, &req));
    } else if (key == "thinking") {
      SY_RETURN_IF_ERROR(ThinkingOf(v, &req.thinking));
    } else if (key == "metadata") {
      Object m;
      if (v.get_object().get(m) != simdjson::SUCCESS) return ExpectType(key, v, "an object");
      Element u;
      if (m["user_id"].get(u) == simdjson::SUCCESS && !u.is_null()) {
        SY_RETURN_IF_ERROR(ReadText("metadata.user_id", u, &req.user));
        req.metadata.emplace_back("user", req.user);
      }
      SY_RETURN_IF_ERROR(OnlyKnown("metadata", m, {"user_id"}));
    } else if (std::find(std::begin(kIgnorable), std::end(kIgnorable), key) !=
               std::end(kIgnorable)) {
      if (!v.is_null()) r.ignored.push_back(key);
    } else {
      return FieldError(key + ": Extra inputs are not permitted");
    }
  }
  if (!have_model) return FieldError("model: Field required (the name of a switchyard route)");
  if (!have_messages) return FieldError("messages: Field required");
  if (!have_max_tokens && !count_only) return FieldError("max_tokens: Field required");
  if (count_only && !have_max_tokens) req.max_tokens = 1;
  if (have_system) {
    // The system text leads the chat model's messages, as OpenAI's wire has it.
    std::vector<Message> with_system;
    SY_RETURN_IF_ERROR(SystemOf(system, &with_system));
    for (Message& m : req.messages) with_system.push_back(std::move(m));
    req.messages = std::move(with_system);
  }
  SY_RETURN_IF_ERROR(CheckCompleteRequest(req));
  *out = std::move(r);
  return Status::Ok();
}

}  // namespace switchyard
