#include "router/stream_relay.h"

#include "prompt/token_estimate.h"

namespace switchyard {

bool StreamRelay::Feed(std::string_view bytes, StreamDelta* clean) {
  StreamDelta raw;
  splitter_->Feed(bytes, [&](const SseEvent& e) {
    if (!state_.failed) decoder_->OnEvent(e, &state_, &raw);
  });
  if (state_.failed || raw.empty()) return false;
  Pass(raw, clean);
  return true;
}

void StreamRelay::Pass(const StreamDelta& raw, StreamDelta* clean) {
  if (!raw.text.empty()) {
    size_t before = clean->text.size();
    redact_.Feed(raw.text, &clean->text);
    relayed_.append(clean->text, before, std::string::npos);
  }
  for (const ToolCallDelta& d : raw.tool_calls) {
    ToolCallDelta out;
    out.index = d.index;
    if (d.index >= static_cast<int64_t>(redact_calls_.size())) {
      // A call's first piece: its id and name pass as they are (a provider's own words, and
      // redacted where they entered), its arguments through a redactor of their own.
      redact_calls_.resize(d.index + 1, Redactor::Stream(redactor_));
      out.id = d.id;
      out.name = d.name;
    }
    redact_calls_[d.index].Feed(d.arguments, &out.arguments);
    if (out.id.empty() && out.arguments.empty()) continue;
    ApplyToolCallDelta(out, &relayed_calls_);
    // Pieces of one call that came in one read go on as one piece.
    if (!clean->tool_calls.empty() && clean->tool_calls.back().index == out.index &&
        out.id.empty()) {
      clean->tool_calls.back().arguments += out.arguments;
      continue;
    }
    clean->tool_calls.push_back(std::move(out));
  }
}

StreamDelta StreamRelay::Finish() {
  StreamDelta rest;
  redact_.Finish(&rest.text);
  relayed_ += rest.text;
  for (size_t i = 0; i < redact_calls_.size(); ++i) {
    ToolCallDelta d;
    d.index = static_cast<int64_t>(i);
    redact_calls_[i].Finish(&d.arguments);
    if (d.arguments.empty()) continue;
    ApplyToolCallDelta(d, &relayed_calls_);
    rest.tool_calls.push_back(std::move(d));
  }
  return rest;
}

std::string EstimateUsage(int64_t input_estimate, Answer* a) {
  bool estimated = false;
  if (a->usage.input_tokens == 0) {
    a->usage.input_tokens = input_estimate;
    estimated = true;
  }
  if (a->usage.output_tokens == 0 && (!a->content.empty() || !a->tool_calls.empty())) {
    std::string all = a->content;
    for (const ToolCall& c : a->tool_calls) all += c.name + c.arguments;
    a->usage.output_tokens = EstimateTextTokens(all);
    estimated = true;
  }
  return estimated ? " (usage estimated: the provider reported none)" : "";
}

}  // namespace switchyard
