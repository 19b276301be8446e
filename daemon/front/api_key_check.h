// Whether an HTTP request carries the front door's key: "Authorization: Bearer <key>" or
// "x-api-key: <key>" (what Anthropic's SDK sends), compared in constant time.
#pragma once

#include <string>
#include <string_view>

#include "front/http_server.h"

namespace switchyard {

// Compares without stopping at the first difference, so the time taken says nothing of how
// much of a guessed key was right.
bool SameSecret(std::string_view a, std::string_view b);

// True when `key` is empty (none is needed) or `req` carries it.
bool CarriesKey(const HttpRequestIn& req, const std::string& key);

}  // namespace switchyard
