#include "router/stream_relay.h"

namespace switchyard {

void StreamRelay::Feed(std::string_view bytes, std::string* text, std::string* clean) {
  parser_.Feed(bytes, [&](const SseEvent& e) {
    if (!state_.failed) decoder_->OnEvent(e, &state_, text);
  });
  if (state_.failed || text->empty()) return;
  size_t before = clean->size();
  redact_.Feed(*text, clean);
  relayed_.append(*clean, before, std::string::npos);
}

std::string StreamRelay::Finish() {
  std::string rest;
  redact_.Finish(&rest);
  return rest;
}

}  // namespace switchyard
