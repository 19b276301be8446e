// What a route with keep_fallback_answers keeps of a request a model other than its first
// tier answered: the prompt that model was sent (as JSON), its answer, and why the first
// tier did not serve. Pure.
#pragma once

#include <string>
#include <vector>

#include "chat/chat_json.h"
#include "config/config.h"
#include "protocol/messages.h"
#include "store/store.h"

namespace switchyard {

// Fills `out` when `served`, a request's answer, came from a model other than `route`'s
// first tier. `sent`: the messages that model was sent. `wall_start_ms`: when the request
// started.
bool KeepFallbackAnswer(const RouteConfig& route, const std::string& task,
                        const std::vector<Message>& sent, const CompleteResult& served,
                        int64_t wall_start_ms, FallbackAnswerRecord* out);

}  // namespace switchyard
