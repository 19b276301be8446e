// The x-switchyard-* headers both chat doors read and write, whichever wire format their
// bodies are in: task and deadline in, the model that served, the fallbacks, the request's
// id and the fields not acted on out.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "front/http_server.h"
#include "protocol/messages.h"
#include "wire/door_headers.h"

namespace switchyard {

// x-switchyard-task and x-switchyard-deadline-ms of `req`.
Status ReadChatHeaders(const HttpRequestIn& req, ChatHeaders* out);
// `h` with x-switchyard-ignored naming `ignored`, when there are any.
HttpHeaders WithIgnored(HttpHeaders h, const std::vector<std::string>& ignored);
// `h` with x-switchyard-model, -fallbacks and -request-id of result `r`.
HttpHeaders WithServed(HttpHeaders h, const CompleteResult& r);

}  // namespace switchyard
