#include "router/model_health.h"

namespace switchyard {
namespace {

// What a finished call tells the breaker; kNone for calls that say nothing about the
// model's health (the request's own fault, a prompt too long for it).
enum class Verdict { kNone, kSuccess, kSlowSuccess, kSlow, kFailure };

Verdict VerdictOf(Outcome o, bool past_soft) {
  switch (o) {
    case Outcome::kOk:
      return past_soft ? Verdict::kSlowSuccess : Verdict::kSuccess;
    case Outcome::kTimeout:
      return Verdict::kSlow;
    case Outcome::kConnectError:
    case Outcome::kTransportError:
    case Outcome::kRateLimited:
    case Outcome::kServerError:
    case Outcome::kBadResponse:
    case Outcome::kEmptyAnswer:
    case Outcome::kIncompleteStream:
    case Outcome::kRepetition:
      return Verdict::kFailure;
    default:
      return Verdict::kNone;
  }
}

}  // namespace

std::string ModelHealth::Refusal(int64_t now_ms) const {
  if (breaker_.AwaitsTurn(now_ms)) {
    return "breaker open; its cool-down is over, and one host of the fleet probes it at a time";
  }
  if (breaker_.state() == BreakerState::kOpen) {
    return "breaker open; half-opens in " + std::to_string(breaker_.open_until_ms() - now_ms) +
           " ms";
  }
  return "breaker half-open; its probes are in flight";
}

BreakerTransition ModelHealth::Ended(int64_t now_ms, Outcome outcome, bool past_soft,
                                     int64_t retry_after_ms) {
  --in_flight_;
  switch (VerdictOf(outcome, past_soft)) {
    case Verdict::kNone:
      breaker_.Release();
      return {};
    case Verdict::kSuccess:
      return breaker_.Record(now_ms, CallResult::kSuccess);
    case Verdict::kSlowSuccess:
      return breaker_.Record(now_ms, CallResult::kSlowSuccess);
    case Verdict::kSlow:
      return breaker_.Record(now_ms, CallResult::kSlow);
    case Verdict::kFailure:
      return breaker_.Record(now_ms, CallResult::kFailure,
                             outcome == Outcome::kRateLimited ? retry_after_ms : -1);
  }
  return {};
}

BreakerTransition ModelHealth::Abandoned(int64_t now_ms, bool past_soft) {
  --in_flight_;
  if (past_soft) return breaker_.Record(now_ms, CallResult::kSlow);
  breaker_.Release();
  return {};
}

}  // namespace switchyard
