#include "router/call_request.h"

#include <algorithm>

#include "wire/anthropic_messages.h"

namespace switchyard {

HttpRequest CallRequest(const ModelRuntime& rt, const CompleteRequest& req, const FittedPrompt& p,
                        int64_t backstop_ms, int64_t soft_timeout_ms) {
  const std::vector<Message>& messages = p.truncated ? p.messages : req.messages;
  HttpCallSpec spec;
  if (!req.thinking.empty() && req.reasoning_effort.empty() && rt.config->reasoning) {
    // Anthropic's thinking asked of a model that reasons OpenAI's way: rare, so a copy.
    CompleteRequest with_effort = req;
    with_effort.reasoning_effort = ReasoningEffortOf(req.thinking);
    spec = rt.provider->Build(rt.config->id, with_effort, messages, p.max_tokens);
  } else {
    spec = rt.provider->Build(rt.config->id, req, messages, p.max_tokens);
  }
  HttpRequest hr;
  hr.url = std::move(spec.url);
  hr.headers = std::move(spec.headers);
  hr.body = std::move(spec.body);
  hr.aws = std::move(spec.aws);
  // A second after the walk would have given up: only if its own timer failed to.
  hr.timeout_ms = backstop_ms + 1000;
  hr.connect_timeout_ms = std::min(rt.provider_config->connect_timeout_ms, soft_timeout_ms);
  hr.ca_file = rt.provider_config->ca_file;
  hr.use_curl = rt.provider_config->http_client_curl;
  hr.max_response_bytes = static_cast<size_t>(rt.provider_config->max_response_bytes);
  return hr;
}

}  // namespace switchyard
