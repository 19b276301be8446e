#include "prompt/fit_prompt.h"

#include <cmath>
#include <string>

#include "prompt/token_estimate.h"

namespace switchyard {
namespace {

int64_t Calibrated(int64_t raw, double ratio) {
  return static_cast<int64_t>(std::ceil(static_cast<double>(raw) * ratio));
}

int64_t MessageTokens(const Message& m) { return EstimateMessageTokens(m); }

// Where the turn that starts at `i` ends (one past it): an assistant turn that calls tools
// takes the results that answer it along, since no provider takes a call without its result
// or a result without its call.
size_t TurnEnd(const std::vector<Message>& messages, size_t i) {
  size_t end = i + 1;
  if (messages[i].tool_calls.empty()) return end;
  while (end < messages.size() && messages[end].role == "tool") ++end;
  return end;
}

// Moves `i` back to the start of the UTF-8 character it is in, so a cut never splits one.
size_t CharStart(const std::string& s, size_t i) {
  while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}

// Replaces the middle of `text` so about `keep` bytes of it remain; returns bytes removed.
int64_t CutMiddle(std::string* text, size_t keep) {
  if (keep >= text->size()) return 0;
  size_t head = CharStart(*text, keep / 2);
  size_t tail_start = CharStart(*text, text->size() - (keep - keep / 2));
  if (tail_start < head) tail_start = head;
  size_t removed = tail_start - head;
  if (removed == 0) return 0;
  std::string marker =
      "\n[... " + std::to_string(removed) + " characters cut to fit the context window ...]\n";
  text->replace(head, removed, marker);
  return static_cast<int64_t>(removed);
}

}  // namespace

FitResult FitPrompt(const std::vector<Message>& messages, int64_t budget, double ratio) {
  FitResult r;
  std::vector<int64_t> tokens(messages.size());
  int64_t total = kTokensPerPrompt;
  for (size_t i = 0; i < messages.size(); ++i) total += tokens[i] = MessageTokens(messages[i]);
  r.tokens_before = Calibrated(total, ratio);
  r.tokens_after = r.tokens_before;
  if (r.tokens_before <= budget) return r;

  r.truncated = true;
  std::vector<bool> keep(messages.size(), true);
  auto fits = [&] { return Calibrated(total, ratio) <= budget; };
  // A turn may go if it is not system text and is not (or does not reach) the last message.
  auto droppable = [&](size_t i) {
    return messages[i].role != "system" && messages[i].role != "tool" &&
           TurnEnd(messages, i) < messages.size();
  };
  auto drop = [&](size_t i) {
    for (size_t j = i; j < TurnEnd(messages, i); ++j) {
      keep[j] = false;
      total -= tokens[j];
      ++r.dropped_messages;
    }
  };
  // Oldest turns first, a tool call with its results. A conversation must still open with a
  // user turn after the system text (Anthropic refuses one that opens with the assistant),
  // so an assistant message left at the front goes too.
  for (size_t i = 0; i < messages.size() && !fits(); ++i) {
    if (!keep[i] || !droppable(i)) continue;
    drop(i);
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    if (!keep[i] || messages[i].role == "system") continue;
    if (messages[i].role == "assistant" && droppable(i)) {
      drop(i);
      continue;
    }
    break;
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    if (keep[i]) r.messages.push_back(messages[i]);
  }
  tokens.clear();
  for (const Message& m : r.messages) tokens.push_back(MessageTokens(m));

  // Then the middle of the longest message, a few rounds at most: each cut is sized from
  // the message's own bytes per token, which the marker and multi-byte text make inexact.
  for (int round = 0; round < 8 && !fits(); ++round) {
    // The longest message with text of its own to cut (one of parts or only tool calls has
    // none).
    size_t longest = 0;
    for (size_t i = 1; i < r.messages.size(); ++i) {
      if (!r.messages[i].content.empty() &&
          (r.messages[longest].content.empty() || tokens[i] > tokens[longest])) {
        longest = i;
      }
    }
    std::string& text = r.messages[longest].content;
    int64_t text_tokens = EstimateTextTokens(text);
    if (text.empty() || text_tokens <= 0) break;
    int64_t excess_raw = static_cast<int64_t>(
        std::ceil(static_cast<double>(Calibrated(total, ratio) - budget) / ratio));
    int64_t keep_tokens = text_tokens - excess_raw - 24;  // 24: the marker, with room to spare
    if (keep_tokens < 0) keep_tokens = 0;
    double bytes_per_token = static_cast<double>(text.size()) / static_cast<double>(text_tokens);
    size_t keep_bytes = static_cast<size_t>(static_cast<double>(keep_tokens) * bytes_per_token);
    int64_t removed = CutMiddle(&text, keep_bytes);
    if (removed == 0) break;
    r.cut_chars += removed;
    int64_t now = MessageTokens(r.messages[longest]);
    total += now - tokens[longest];
    tokens[longest] = now;
  }
  r.tokens_after = Calibrated(total, ratio);
  r.fits = r.tokens_after <= budget;
  return r;
}

}  // namespace switchyard
