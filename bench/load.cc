#include "load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <thread>

namespace switchyard::bench {

double LoadResult::Percentile(double p) const {
  if (latency_us.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(latency_us.size())));
  return latency_us[std::clamp<size_t>(rank, 1, latency_us.size()) - 1];
}

LoadResult RunLoad(const std::string& socket, const CompleteRequest& req, int concurrency, int64_t total) {
  std::atomic<int64_t> next{0};
  std::mutex mu;
  LoadResult out;
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < concurrency; ++i) {
    threads.emplace_back([&] {
      std::unique_ptr<Client> c;
      if (!Client::Connect(socket, &c).ok()) return;
      std::vector<double> mine;
      int64_t errors = 0;
      while (next.fetch_add(1) < total) {
        auto t0 = std::chrono::steady_clock::now();
        CompleteReply r = c->Complete(req);
        auto t1 = std::chrono::steady_clock::now();
        if (r.status.ok() && r.ok) {
          mine.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        } else {
          ++errors;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      out.latency_us.insert(out.latency_us.end(), mine.begin(), mine.end());
      out.errors += errors;
    });
  }
  for (auto& t : threads) t.join();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(out.latency_us.begin(), out.latency_us.end());
  out.requests = static_cast<int64_t>(out.latency_us.size());
  return out;
}

std::string Describe(const LoadResult& r) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "p50 %7.0f us  p99 %7.0f us  p99.9 %7.0f us  %7.0f req/s%s",
                r.Percentile(50), r.Percentile(99), r.Percentile(99.9), r.Rps(),
                r.errors ? "  (errors!)" : "");
  return buf;
}

}  // namespace switchyard::bench
