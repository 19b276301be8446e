// Load generation for the benchmarks: closed loops that keep N requests in flight, through
// the daemon (client library, asynchronous) or straight to the provider (libcurl multi), so
// the two are measured the same way and their difference is the daemon's cost; and an open
// loop that sends at a fixed rate, for comparing two setups at the same offered load.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
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
// `per_connection`: requests in flight on each connection (16, as an application's worker
// pool would have; 1 opens a connection per request in flight, as HTTP/1.1 clients do).
LoadResult RunClientLoad(const std::string& socket, const CompleteRequest& req, int concurrency,
                         int64_t total,
                         std::chrono::microseconds stagger = std::chrono::microseconds{0},
                         int per_connection = 16);

// Streams (`req` with stream set) through switchyardd, `concurrency` at a time on
// connections of 16, until `total` are whole; each latency is the time to the stream's first
// chunk, which carries its first text (the daemon sends none before).
LoadResult RunClientStreams(const std::string& socket, const CompleteRequest& req, int concurrency,
                            int64_t total);

// Requests through switchyardd at `per_second` on average, whatever the answers do, until
// `total` are answered. In a closed loop a slower setup is also sent less, so two setups are
// never at the same load; here they are. Arrivals are a Poisson process drawn from `seed`,
// so two setups get the same schedule, bursts included. Each latency runs from the
// request's scheduled time, not from when the generator got round to sending it, so a
// generator that fell behind counts the delay instead of hiding it (no coordinated omission).
LoadResult RunClientRate(const std::string& socket, const CompleteRequest& req, double per_second,
                         int64_t total, uint64_t seed);

// The same, straight to an HTTP endpoint: POST `body` to `url` with `headers`.
LoadResult RunDirectLoad(const std::string& url, const std::vector<std::string>& headers,
                         const std::string& body, int concurrency, int64_t total,
                         std::chrono::microseconds stagger = std::chrono::microseconds{0});

// Two setups measured alternately, so that a drift in the machine (this VM's speed wanders by
// tens of percent from minute to minute) falls on both alike.
struct Alternated {
  LoadResult a, b;       // each one's samples, pooled over every round
  LoadResult a_half[2];  // a's even rounds and odd rounds: how far a differs from itself
  LoadResult b_half[2];
};

// `rounds` rounds of each, in the order a b, b a, a b, ...
Alternated Alternate(int rounds, const std::function<LoadResult()>& a,
                     const std::function<LoadResult()>& b);

// How far the same setup's two halves lie apart at percentile p: the noise to read a
// difference between a and b against (each half has half the samples, so it errs high).
double HalvesApart(const Alternated& r, double p);

// "p50 123 us  p99 456 us ..." for a table cell.
std::string Describe(const LoadResult& r);

}  // namespace switchyard::bench
