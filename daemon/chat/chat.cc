#include "chat/chat.h"

namespace switchyard {

bool HasImages(const std::vector<Message>& messages) {
  for (const Message& m : messages) {
    for (const ContentPart& p : m.parts) {
      if (p.kind == ContentPart::Kind::kImage) return true;
    }
  }
  return false;
}

bool HasToolTurns(const std::vector<Message>& messages) {
  for (const Message& m : messages) {
    if (!m.tool_calls.empty() || m.role == "tool") return true;
  }
  return false;
}

std::string TextOf(const Message& m) {
  if (m.parts.empty()) return m.content;
  std::string out;
  for (const ContentPart& p : m.parts) {
    if (p.kind != ContentPart::Kind::kText) continue;
    if (!out.empty()) out += "\n";
    out += p.text;
  }
  return out;
}

const Tool* FindTool(const std::vector<Tool>& tools, std::string_view name) {
  for (const Tool& t : tools) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace switchyard
