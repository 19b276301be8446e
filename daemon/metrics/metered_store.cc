#include "metrics/metered_store.h"

namespace switchyard {

void MeteredStore::RecordRequest(RequestRecord&& r) {
  metrics_->OnRequest(r);
  if (inner_) inner_->RecordRequest(std::move(r));
}

void MeteredStore::RecordBreakerTransition(BreakerTransitionRecord&& t) {
  metrics_->OnTransition(t);
  if (inner_) inner_->RecordBreakerTransition(std::move(t));
}

void MeteredStore::RecordProbe(int64_t request_id, const std::string& route,
                               const std::string& task, AttemptRecord&& a) {
  metrics_->OnProbe(route, a);
  if (inner_) inner_->RecordProbe(request_id, route, task, std::move(a));
}

}  // namespace switchyard
