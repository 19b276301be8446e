#include "chat/chat_json.h"

#include "base/json_writer.h"

namespace switchyard {
namespace {

void WriteCalls(JsonWriter& w, const std::vector<ToolCall>& calls) {
  w.BeginArray();
  for (const ToolCall& c : calls) {
    w.BeginObject().Key("id").String(c.id).Key("name").String(c.name);
    w.Key("arguments").String(c.arguments).EndObject();
  }
  w.EndArray();
}

}  // namespace

std::string MessagesJson(const std::vector<Message>& messages) {
  size_t size = 2;
  for (const Message& m : messages) {
    size += m.content.size() + m.role.size() + 32;
    for (const ContentPart& p : m.parts) size += p.text.size() + p.image_url.size() + 48;
    for (const ToolCall& c : m.tool_calls) size += c.arguments.size() + c.name.size() + 48;
  }
  JsonWriter w(size);
  w.BeginArray();
  for (const Message& m : messages) {
    w.BeginObject().Key("role").String(m.role).Key("content").String(m.content);
    if (!m.parts.empty()) {
      w.Key("parts").BeginArray();
      for (const ContentPart& p : m.parts) {
        w.BeginObject();
        if (p.kind == ContentPart::Kind::kText) {
          w.Key("type").String("text").Key("text").String(p.text);
        } else {
          w.Key("type").String("image_url").Key("image_url").String(p.image_url);
          if (!p.detail.empty()) w.Key("detail").String(p.detail);
        }
        w.EndObject();
      }
      w.EndArray();
    }
    if (!m.tool_calls.empty()) {
      w.Key("tool_calls");
      WriteCalls(w, m.tool_calls);
    }
    if (!m.tool_call_id.empty()) w.Key("tool_call_id").String(m.tool_call_id);
    if (m.is_error) w.Key("is_error").Bool(true);
    w.EndObject();
  }
  w.EndArray();
  return w.Take();
}

std::string ToolCallsJson(const std::vector<ToolCall>& calls) {
  if (calls.empty()) return "";
  size_t size = 2;
  for (const ToolCall& c : calls) size += c.arguments.size() + c.name.size() + c.id.size() + 48;
  JsonWriter w(size);
  WriteCalls(w, calls);
  return w.Take();
}

}  // namespace switchyard
