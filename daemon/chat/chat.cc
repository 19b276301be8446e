#include "chat/chat.h"

#include <algorithm>

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

std::string SystemText(const std::vector<Message>& messages) {
  std::string system;
  for (const Message& m : messages) {
    if (m.role != "system") continue;
    if (!system.empty()) system += "\n\n";
    system += TextOf(m);
  }
  return system;
}

std::vector<std::string_view> CalledFunctions(const std::vector<Message>& messages,
                                              const std::vector<Tool>* not_in) {
  std::vector<std::string_view> names;
  for (const Message& m : messages) {
    for (const ToolCall& c : m.tool_calls) {
      if (not_in && FindTool(*not_in, c.name)) continue;
      if (std::find(names.begin(), names.end(), c.name) == names.end()) names.push_back(c.name);
    }
  }
  return names;
}

}  // namespace switchyard
