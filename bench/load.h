// Load generation for the benchmarks: closed-loop clients over real sockets, latency
// percentiles.
#pragma once

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

// `concurrency` connections, each sending `req` back to back until `total` requests are done.
LoadResult RunLoad(const std::string& socket, const CompleteRequest& req, int concurrency, int64_t total);

// "p50 123 us  p99 456 us ..." for a table cell.
std::string Describe(const LoadResult& r);

}  // namespace switchyard::bench
