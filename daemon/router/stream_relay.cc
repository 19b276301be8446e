#include "router/stream_relay.h"

#include "prompt/token_estimate.h"

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

std::string EstimateUsage(int64_t input_estimate, Answer* a) {
  bool estimated = false;
  if (a->usage.input_tokens == 0) {
    a->usage.input_tokens = input_estimate;
    estimated = true;
  }
  if (a->usage.output_tokens == 0 && !a->content.empty()) {
    a->usage.output_tokens = EstimateTextTokens(a->content);
    estimated = true;
  }
  return estimated ? " (usage estimated: the provider reported none)" : "";
}

}  // namespace switchyard
