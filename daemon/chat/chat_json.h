// The chat model as JSON for people and for SQLite's json functions (the history's kept
// fallback answers): the protocol's own names (schema/protocol.md), not a provider's. A
// message of plain text is {"role", "content"}; parts, tool calls and a result's call id
// are added only where a message has them.
#pragma once

#include <string>
#include <vector>

#include "chat/chat.h"

namespace switchyard {

std::string MessagesJson(const std::vector<Message>& messages);
// [{"id", "name", "arguments"}], arguments as the text the model wrote; "" for no calls.
std::string ToolCallsJson(const std::vector<ToolCall>& calls);

}  // namespace switchyard
