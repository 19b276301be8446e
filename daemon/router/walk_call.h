// A walk's call in flight: private to the walk's two files, walk.cc (the tiers, the calls'
// ends, retries and answers) and walk_events.cc (what happens to a call while it runs).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "router/walk.h"

namespace switchyard {

// One model call in flight.
struct Walk::Call {
  int64_t seq = 0;  // its attempt's index in tried_
  std::string model;
  int64_t start_ms = 0;
  int64_t soft_timeout_ms = 0;
  int64_t hard_at_ms = 0;  // when a hedged call is given up
  HttpClient::Id http_id = 0;
  Timers::Id timer_id = 0;
  // The soft timeout came from the learned latency (not cut short by the deadline): a cutoff
  // there is a censored latency sample.
  bool learned_cutoff = false;
  bool past_soft = false;     // its soft timeout fired and it was kept alive (hedge, last hope)
  bool last_hope = false;     // kept past its soft timeout as the last tier that could be called
  bool retry = false;         // the request's one same-model retry
  bool kept_running = false;  // cut off, and handed to the tail watch
  // Routes that keep fallback answers: the prompt as sent, when it was shortened for this
  // model (else the request's own messages were sent).
  std::vector<Message> sent_messages;
  // Streams: the provider's events turned into text, when the first came and the last byte.
  std::unique_ptr<StreamRelay> relay;
  bool got_text = false;
  int64_t last_byte_ms = 0;
};

}  // namespace switchyard
