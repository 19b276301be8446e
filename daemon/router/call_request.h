// The HTTP request of one model call: the provider's URL, headers and body for the prompt as
// fitted to the model, and the provider's settings (connect timeout, CA file, which client,
// how large an answer may be). Its own timeout is a backstop: the walk's timers decide.
#pragma once

#include <cstdint>

#include "http/http_client.h"
#include "protocol/messages.h"
#include "router/generation.h"
#include "router/prompt_fit.h"

namespace switchyard {

// `backstop_ms`: when the walk will have given up on the call by itself; `soft_timeout_ms`
// caps the connect timeout.
HttpRequest CallRequest(const ModelRuntime& rt, const CompleteRequest& req, const FittedPrompt& p,
                        int64_t backstop_ms, int64_t soft_timeout_ms);

}  // namespace switchyard
