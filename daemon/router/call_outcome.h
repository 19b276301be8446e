// What the end of a model call means: a transport error as an outcome, and a 200 answer
// through the route's partial-failure checks (answer/answer_checks.h).
#pragma once

#include <string>

#include "config/config.h"
#include "http/http_client.h"
#include "protocol/messages.h"
#include "providers/provider.h"
#include "wire/outcome.h"

namespace switchyard {

Outcome FromTransport(TransportError e);

// A completed HTTP answer (no transport error) as `provider` parses it, then through the
// route's partial-failure checks when it parsed as an answer.
ParsedResponse ParseAndCheck(const Provider& provider, const HttpResponse& resp,
                             const CompleteRequest& req, const RouteConfig& route,
                             int64_t wall_now_ms);

// kOk, or the check `answer` fails, with `*reason` saying why.
Outcome CheckAnswer(const Answer& answer, const CompleteRequest& req, const RouteConfig& route,
                    std::string* reason);

}  // namespace switchyard
