// Load generation for the benchmarks: closed loops that keep N requests in flight, through
// the daemon (client library, asynchronous) or straight to the provider (libcurl multi), so
// the two are measured the same way and their difference is the daemon's cost.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "switchyard/client.h"

namespace switchyard::bench {

struct LoadResult {
  int64_t requests = 0;
  int64_t errors = 0;
  double seconds = 0;
  std::vector<double> latency_us;  // one per successful request, sorted

  double Percentile(double p) const;
  double Rps() const { return seconds > 0 ? static_cast<double>(requests) / seconds : 0; }
};

// `concurrency` requests in flight through switchyardd until `total` are answered. With a
// `stagger`, the first requests start spread evenly over it instead of all at once; since
// each answer starts the next request in the same slot, they stay spread (16 users rather
// than one burst of 16, when the provider takes about `stagger` to answer).
LoadResult RunClientLoad(const std::string& socket, const CompleteRequest& req, int concurrency,
                         int64_t total,
                         std::chrono::microseconds stagger = std::chrono::microseconds{0});

// The same, straight to an HTTP endpoint: POST `body` to `url` with `headers`.
LoadResult RunDirectLoad(const std::string& url, const std::vector<std::string>& headers,
                         const std::string& body, int concurrency, int64_t total,
                         std::chrono::microseconds stagger = std::chrono::microseconds{0});

// "p50 123 us  p99 456 us ..." for a table cell.
std::string Describe(const LoadResult& r);

}  // namespace switchyard::bench
