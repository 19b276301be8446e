// How large a provider's request body for this prompt will be, about: what its writer
// reserves, so the prompt is copied into the body once, without the string growing.
#pragma once

#include <cstddef>
#include <vector>

#include "protocol/messages.h"

namespace switchyard {

// The prompt's text, images, calls, tools and schema, and room for each one's punctuation.
size_t BodySizeHint(const CompleteRequest& req, const std::vector<Message>& messages);

}  // namespace switchyard
