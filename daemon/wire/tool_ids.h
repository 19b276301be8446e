// Tool-call ids carried across providers. A conversation that began on one provider holds
// that provider's ids (OpenAI's "call_…", Anthropic's "toolu_…", or a client's own such as
// "functions.get_weather:0"); the next tier may accept fewer forms. Each id is mapped the
// same way wherever it appears (the call and the result that answers it), so pairs still
// match, and an id a provider already accepts is sent unchanged.
#pragma once

#include <string>
#include <string_view>

namespace switchyard {

// Anthropic accepts ids of [a-zA-Z0-9_-]+ only: other bytes become '_', and a hash of the
// whole id is appended so that two ids differing only there stay apart.
std::string AnthropicToolId(std::string_view id);

// OpenAI accepts ids of at most 40 bytes: a longer one keeps its first 23 and a hash.
std::string OpenAIToolId(std::string_view id);

}  // namespace switchyard
