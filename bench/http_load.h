// A lean HTTP/1.1 load generator for the front door's figures: `concurrency` keep-alive
// connections on one thread (epoll), each sending the same POST again as soon as its answer
// is in, until `total` are answered. libcurl spends three times the client library's CPU
// a request, and on this 2-core machine the load generator's CPU is taken from the daemon's;
// this one costs about what the client library does, so the two paths compare fairly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "load.h"

namespace switchyard::bench {

// POSTs `body` (JSON) to `path` on 127.0.0.1:`port`, or on the Unix socket `unix_path` when
// it is not empty. An answer other than 200 counts as an error.
LoadResult RunHttpLoad(int port, const std::string& path, const std::string& body, int concurrency,
                       int64_t total, const std::string& unix_path = "");

// The same, with `headers` ("Name: value") added to each request. With `stream`, the answer
// is read as server-sent events and each latency is the time to its first token: the first
// event carrying text (a `"content"` or `"text"` string that is not empty, in OpenAI's
// chunks and Anthropic's deltas alike). A provider's first event is often a role alone
// (OpenAI's `"role":"assistant","content":""`), which the doors fold into their first text,
// so the first token is what compares the paths. The request still counts only once its
// answer is whole. Answers may come with a Content-Length or chunked.
struct HttpLoadOptions {
  std::vector<std::string> headers;
  bool stream = false;
  // Set: each stream's time to its first event of any kind, text or not, in answer order.
  std::vector<double>* first_event_us = nullptr;
};
LoadResult RunHttpLoad(int port, const std::string& path, const std::string& body, int concurrency,
                       int64_t total, const HttpLoadOptions& options,
                       const std::string& unix_path = "");

}  // namespace switchyard::bench
