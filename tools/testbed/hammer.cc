#include "hammer.h"

#include "testbed.h"

namespace switchyard::testbed {

Hammer::Hammer(const std::string& socket, int threads) {
  for (int t = 0; t < threads; ++t) {
    threads_.emplace_back([this, socket] {
      std::unique_ptr<Client> c;
      if (!Client::Connect(socket, &c).ok()) return;
      while (!stop_) {
        CompleteReply r = c->Complete(Cluster::Ask("load"));
        if (!r.status.ok()) return;  // the daemon is gone
        std::lock_guard<std::mutex> lock(mu_);
        ids_.push_back(r.ok ? r.result.request_id : r.error.request_id);
        ++answered_;
      }
    });
  }
}

void Hammer::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

std::vector<int64_t> Hammer::ids() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ids_;
}

}  // namespace switchyard::testbed
