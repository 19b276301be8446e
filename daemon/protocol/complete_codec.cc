// The `complete` method: its request as the client packs it and the daemon reads it (with
// the checks beyond types), and its result.
#include "base/utf8.h"
#include "protocol/codec.h"
#include "protocol/message_fields.h"

namespace switchyard {

std::string EncodeCompleteCall(uint32_t msgid, const CompleteRequest& req) {
  size_t bytes = 128;
  for (const Message& m : req.messages) bytes += m.content.size() + 32;
  msgpack::sbuffer buf(bytes);
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint8(0);
  pk.pack_uint32(msgid);
  PackStr(pk, "complete");
  pk.pack_array(1);
  PackMap(pk, req);
  return std::string(buf.data(), buf.size());
}

Status DecodeCompleteRequest(const msgpack::object* arg, CompleteRequest* out) {
  SY_RETURN_IF_ERROR(RequireMap(arg, "params[0]"));
  const FieldPath top("");
  MapReader reader(*arg, top);
  CompleteRequest req;
  SY_RETURN_IF_ERROR(Fields(reader, req));
  // A misspelt key is an error, not a setting silently ignored.
  SY_RETURN_IF_ERROR(reader.NoUnknownKeys("params[0] key"));
  SY_RETURN_IF_ERROR(CheckCompleteRequest(req));
  *out = std::move(req);
  return Status::Ok();
}

namespace {

Status Invalid(const std::string& what) { return Status::InvalidArgument(what); }

// Function names as both OpenAI and Anthropic accept them.
bool IsToolName(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status CheckMessage(const CompleteRequest& req, size_t i, std::vector<std::string_view>* calls) {
  const Message& m = req.messages[i];
  // Built on the way out only: this runs for every message of every request.
  auto at = [i] { return "messages[" + std::to_string(i) + "]"; };
  const std::string& role = m.role;
  if (role != "system" && role != "user" && role != "assistant" && role != "tool") {
    return Invalid(at() + ".role: must be system, user, assistant or tool, got '" +
                   Printable(role) + "'");
  }
  for (size_t j = 0; j < m.parts.size(); ++j) {
    const ContentPart& p = m.parts[j];
    if (p.kind != ContentPart::Kind::kImage) continue;
    std::string part = at() + ".parts[" + std::to_string(j) + "]";
    if (role != "user") return Invalid(part + ": images may be sent in user messages only");
    std::string_view url = p.image_url;
    if (url.substr(0, 5) != "data:" && url.substr(0, 8) != "https://" &&
        url.substr(0, 7) != "http://") {
      return Invalid(part + ".image_url: expected a data: or http(s) URL");
    }
    if (!p.detail.empty() && p.detail != "auto" && p.detail != "low" && p.detail != "high") {
      return Invalid(part + ".detail: must be auto, low or high, got '" + Printable(p.detail) +
                     "'");
    }
  }
  if (!m.tool_calls.empty() && role != "assistant") {
    return Invalid(at() + ".tool_calls: only assistant messages make tool calls");
  }
  for (size_t j = 0; j < m.tool_calls.size(); ++j) {
    const ToolCall& c = m.tool_calls[j];
    auto call = [&] { return at() + ".tool_calls[" + std::to_string(j) + "]"; };
    if (c.id.empty()) return Invalid(call() + ".id: must not be empty");
    if (!IsToolName(c.name)) return Invalid(call() + ".name: expected 1 to 64 of a-z A-Z 0-9 _ -");
    calls->push_back(c.id);
  }
  if (role == "tool") {
    if (m.tool_call_id.empty())
      return Invalid(at() + ".tool_call_id: is required for tool messages");
    bool answered = false;
    for (std::string_view id : *calls) answered = answered || id == m.tool_call_id;
    if (!answered) {
      return Invalid(at() + ".tool_call_id: '" + Printable(m.tool_call_id) +
                     "' answers no tool call of an earlier assistant message");
    }
  } else if (!m.tool_call_id.empty() || m.is_error) {
    return Invalid(at() + ": tool_call_id and is_error belong to tool messages");
  }
  return Status::Ok();
}

Status CheckTools(const CompleteRequest& req) {
  for (size_t i = 0; i < req.tools.size(); ++i) {
    const Tool& t = req.tools[i];
    std::string at = "tools[" + std::to_string(i) + "]";
    if (!IsToolName(t.name)) return Invalid(at + ".name: expected 1 to 64 of a-z A-Z 0-9 _ -");
    for (size_t j = 0; j < i; ++j) {
      if (req.tools[j].name == t.name)
        return Invalid(at + ".name: '" + t.name + "' is offered twice");
    }
  }
  const ToolChoice& c = req.tool_choice;
  if (c.mode.empty() || c.mode == "auto" || c.mode == "none") return Status::Ok();
  if (c.mode != "required" && c.mode != "function") {
    return Invalid("tool_choice: must be auto, none, required or function, got '" +
                   Printable(c.mode) + "'");
  }
  if (req.tools.empty()) return Invalid("tool_choice: " + c.mode + " needs tools");
  if (c.mode == "function" && !FindTool(req.tools, c.name)) {
    return Invalid("tool_choice: names '" + Printable(c.name) + "', which is not among the tools");
  }
  return Status::Ok();
}

}  // namespace

Status CheckCompleteRequest(const CompleteRequest& req) {
  if (req.messages.empty()) return Status::InvalidArgument("messages: must not be empty");
  std::vector<std::string_view> calls;
  for (size_t i = 0; i < req.messages.size(); ++i) {
    SY_RETURN_IF_ERROR(CheckMessage(req, i, &calls));
  }
  SY_RETURN_IF_ERROR(CheckTools(req));
  if (req.top_p && !(*req.top_p >= 0 && *req.top_p <= 1)) {
    return Invalid("top_p: must be between 0 and 1");
  }
  if (req.stop.size() > 4) return Invalid("stop: at most 4 sequences");
  for (const std::string& s : req.stop) {
    if (s.empty()) return Invalid("stop: a sequence must not be empty");
  }
  if (req.max_tokens <= 0) return Status::InvalidArgument("max_tokens: must be positive");
  if (req.temperature && !(*req.temperature >= 0 && *req.temperature <= 2)) {
    return Status::InvalidArgument("temperature: must be between 0 and 2");
  }
  if (req.task.empty() || req.task.size() > 128) {
    return Status::InvalidArgument("task: must be 1 to 128 characters");
  }
  if (req.deadline_ms < 0) return Status::InvalidArgument("deadline_ms: must not be negative");
  if (req.deadline_ms > kMaxDeadlineMs) {
    return Status::InvalidArgument("deadline_ms: at most " + std::to_string(kMaxDeadlineMs) +
                                   " (one hour), got " + std::to_string(req.deadline_ms));
  }
  return Status::Ok();
}

std::string EncodeCompleteResponse(uint32_t msgid, const CompleteResult& r) {
  msgpack::sbuffer buf(r.content.size() + 256 + 160 * r.attempts.size());
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint8(1);
  pk.pack_uint32(msgid);
  pk.pack_nil();
  PackMap(pk, r);
  return std::string(buf.data(), buf.size());
}

Status DecodeCompleteResult(const msgpack::object& obj, CompleteResult* out) {
  CompleteResult r;
  SY_RETURN_IF_ERROR(ReadMap(obj, "result", &r));
  *out = std::move(r);
  return Status::Ok();
}

}  // namespace switchyard
