#include "wire/body_size.h"

namespace switchyard {

size_t BodySizeHint(const CompleteRequest& req, const std::vector<Message>& messages) {
  size_t bytes = 256 + req.json_schema.schema.size();
  for (const Message& m : messages) {
    bytes += m.content.size() + 48;
    for (const ContentPart& p : m.parts) bytes += p.text.size() + p.image_url.size() + 64;
    for (const ToolCall& c : m.tool_calls) bytes += c.arguments.size() + 128;
  }
  for (const Tool& t : req.tools) bytes += t.parameters.size() + t.description.size() + 96;
  return bytes;
}

}  // namespace switchyard
