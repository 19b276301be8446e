#include "router/attempt_log.h"

namespace switchyard {

void AttemptLog::Reached(const std::string& model) {
  if (moving_on_.from_model.empty() || moving_on_.from_model == model) return;
  FallbackRecord f = moving_on_;
  f.to_model = model;
  fallbacks_.push_back(std::move(f));
  moving_on_ = FallbackRecord();
}

void AttemptLog::MovingOn(const std::string& from, std::string reason, std::string detail,
                          int64_t wall_ms) {
  moving_on_.ts_ms = wall_ms;
  moving_on_.from_model = from;
  moving_on_.reason = std::move(reason);
  moving_on_.detail = std::move(detail);
}

void AttemptLog::Skipped(const std::string& model, Outcome why, std::string reason,
                         int64_t wall_ms) {
  Reached(model);
  MovingOn(model, OutcomeName(why), reason, wall_ms);
  Attempt a;
  a.model = model;
  a.called = false;
  a.wall_start_ms = wall_ms;
  a.outcome = OutcomeName(why);
  a.reason = std::move(reason);
  attempts_.push_back(std::move(a));
}

int64_t AttemptLog::Began(Attempt a) {
  Reached(a.model);
  attempts_.push_back(std::move(a));
  return static_cast<int64_t>(attempts_.size()) - 1;
}

std::vector<AttemptReport> AttemptLog::Reports() const {
  std::vector<AttemptReport> out;
  out.reserve(attempts_.size());
  for (const Attempt& a : attempts_) out.push_back(a.Report());
  return out;
}

void AttemptLog::Fill(RequestRecord* r) const {
  r->attempts.reserve(attempts_.size());
  for (const Attempt& a : attempts_) r->attempts.push_back(a.Record());
  r->fallbacks = fallbacks_;
}

}  // namespace switchyard
