// Load that saturates the daemon: clients on their own threads, each sending requests back to
// back, keeping the request id of every answer (ok or error), until stopped or until the
// daemon goes away (a kill -9 test kills it mid-stream).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace switchyard::testbed {

class Hammer {
 public:
  Hammer(const std::string& socket, int threads);
  ~Hammer() { Stop(); }
  Hammer(const Hammer&) = delete;
  Hammer& operator=(const Hammer&) = delete;

  // Waits for every client thread to end.
  void Stop();
  int64_t answered() const { return answered_; }
  // The ids the daemon answered with, in no order; complete once Stop() returned.
  std::vector<int64_t> ids() const;

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> answered_{0};
  mutable std::mutex mu_;
  std::vector<int64_t> ids_;
  std::vector<std::thread> threads_;
};

}  // namespace switchyard::testbed
