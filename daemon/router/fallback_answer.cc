#include "router/fallback_answer.h"

#include "chat/chat_json.h"

namespace switchyard {

bool KeepFallbackAnswer(const RouteConfig& route, const std::string& task,
                        const std::vector<Message>& sent, const CompleteResult& r,
                        int64_t wall_start_ms, FallbackAnswerRecord* out) {
  if (!route.keep_fallback_answers || route.tiers.empty()) return false;
  const std::string& first = route.tiers.front();
  if (r.model == first) return false;
  FallbackAnswerRecord a;
  a.request_id = r.request_id;
  a.ts_ms = wall_start_ms;
  a.route = route.name;
  a.task = task;
  a.served_by = r.model;
  a.first_tier = first;
  // The first tier's own attempt says why it did not serve: it failed, was skipped, or lost
  // a hedge. None at all: the route was over its budget and started lower.
  a.reason = "over_budget: the route started below " + first;
  for (const AttemptReport& t : r.attempts) {
    if (t.model != first) continue;
    a.reason = t.outcome + (t.reason.empty() ? "" : ": " + t.reason);
    break;
  }
  a.messages_json = MessagesJson(sent);
  a.truncated = r.truncated;
  a.content = r.content;
  a.finish_reason = r.finish_reason;
  a.tool_calls_json = ToolCallsJson(r.tool_calls);
  *out = std::move(a);
  return true;
}

}  // namespace switchyard
