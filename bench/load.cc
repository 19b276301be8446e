#include "load.h"

#include <curl/curl.h>
#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

namespace switchyard::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Us(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

// A run whose last answer has come in: its duration, and its latencies sorted for percentiles.
LoadResult Finished(LoadResult out, Clock::time_point start) {
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(out.latency_us.begin(), out.latency_us.end());
  out.requests = static_cast<int64_t>(out.latency_us.size());
  return out;
}

// `n` connections to switchyardd, or none if one fails.
std::vector<std::unique_ptr<Client>> Connect(const std::string& socket, size_t n) {
  std::vector<std::unique_ptr<Client>> clients(n);
  for (auto& c : clients) {
    if (!Client::Connect(socket, &c).ok()) return {};
  }
  return clients;
}

}  // namespace

double LoadResult::Percentile(double p) const {
  if (latency_us.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(latency_us.size())));
  return latency_us[std::clamp<size_t>(rank, 1, latency_us.size()) - 1];
}

namespace {

// One request sent on `c`; `done(ok, latency_us)` runs once when it is over, on any thread.
using Done = std::function<void(bool ok, double latency_us)>;
using SendOne = std::function<void(Client* c, Done done)>;

// The closed loop both client loads share: `concurrency` requests in flight on connections
// of `per_connection`, each answer starting the next on its connection, until `total` are
// over. The first requests start spread over `stagger`.
LoadResult ClosedLoop(const std::string& socket, int concurrency, int64_t total,
                      std::chrono::microseconds stagger, int per_connection, const SendOne& send) {
  int connections = std::max(1, (concurrency + per_connection - 1) / per_connection);
  std::vector<std::unique_ptr<Client>> clients = Connect(socket, static_cast<size_t>(connections));
  if (clients.empty()) return {};
  std::mutex mu;
  std::condition_variable cv;
  LoadResult out;
  out.latency_us.reserve(static_cast<size_t>(total));
  int64_t started = 0, finished = 0;
  auto start = Clock::now();
  std::function<void(Client*)> issue = [&](Client* c) {
    send(c, [&, c](bool ok, double latency_us) {
      bool again;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (ok) {
          out.latency_us.push_back(latency_us);
        } else {
          ++out.errors;
        }
        ++finished;
        again = started < total;
        if (again) ++started;
        if (finished == total) cv.notify_all();
      }
      if (again) issue(c);
    });
  };
  for (int i = 0; i < concurrency && started < total; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++started;
    }
    std::this_thread::sleep_until(start + stagger * i / concurrency);
    issue(clients[static_cast<size_t>(i % connections)].get());
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return finished == total; });
  return Finished(std::move(out), start);
}

}  // namespace

LoadResult RunClientLoad(const std::string& socket, const CompleteRequest& req, int concurrency,
                         int64_t total, std::chrono::microseconds stagger, int per_connection) {
  return ClosedLoop(socket, concurrency, total, stagger, per_connection,
                    [&req](Client* c, Done done) {
                      auto t0 = Clock::now();
                      c->CompleteAsync(req, [done, t0](const CompleteReply& r) {
                        done(r.status.ok() && r.ok, Us(t0, Clock::now()));
                      });
                    });
}

LoadResult RunClientStreams(const std::string& socket, const CompleteRequest& req, int concurrency,
                            int64_t total) {
  return ClosedLoop(socket, concurrency, total, std::chrono::microseconds{0}, 16,
                    [&req](Client* c, Done done) {
                      auto t0 = Clock::now();
                      // The first chunk's time; the reader thread writes it before `done` reads it.
                      auto first = std::make_shared<Clock::time_point>();
                      c->CompleteStreamAsync(
                          req,
                          [first](const StreamChunk&) {
                            if (*first == Clock::time_point{}) *first = Clock::now();
                          },
                          [done, t0, first](const CompleteReply& r) {
                            bool got = *first != Clock::time_point{};
                            done(r.status.ok() && r.ok && got, got ? Us(t0, *first) : 0);
                          });
                    });
}

LoadResult RunClientRate(const std::string& socket, const CompleteRequest& req, double per_second,
                         int64_t total, uint64_t seed) {
  constexpr size_t kConnections = 4;  // as the closed loop has at 64 in flight
  std::vector<std::unique_ptr<Client>> clients = Connect(socket, kConnections);
  if (clients.empty()) return {};
  // The whole schedule up front, so no drawing sits between a due time and its send.
  std::mt19937_64 rng(seed);
  std::exponential_distribution<double> gap(per_second);
  std::vector<Clock::duration> due(static_cast<size_t>(total));
  double at = 0;
  for (Clock::duration& d : due) {
    at += gap(rng);
    d = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(at));
  }
  std::mutex mu;
  std::condition_variable cv;
  LoadResult out;
  out.latency_us.reserve(static_cast<size_t>(total));
  int64_t finished = 0;
  // The default slack lets each sleep end up to 50 us late, as long as the mean gap at
  // 20,000 req/s.
  int slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);
  auto start = Clock::now();
  for (size_t i = 0; i < due.size(); ++i) {
    const Clock::time_point when = start + due[i];
    std::this_thread::sleep_until(when);
    clients[i % kConnections]->CompleteAsync(req, [&, when](const CompleteReply& r) {
      auto t1 = Clock::now();
      std::lock_guard<std::mutex> lock(mu);
      if (r.status.ok() && r.ok) {
        out.latency_us.push_back(Us(when, t1));
      } else {
        ++out.errors;
      }
      if (++finished == total) cv.notify_all();
    });
  }
  if (slack > 0) prctl(PR_SET_TIMERSLACK, slack, 0, 0, 0);
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return finished == total; });
  return Finished(std::move(out), start);
}

LoadResult RunDirectLoad(const std::string& url, const std::vector<std::string>& headers,
                         const std::string& body, int concurrency, int64_t total,
                         std::chrono::microseconds stagger) {
  CURLM* multi = curl_multi_init();
  curl_slist* hdrs = nullptr;
  for (const std::string& h : headers) hdrs = curl_slist_append(hdrs, h.c_str());
  hdrs = curl_slist_append(hdrs, "Expect:");
  struct Slot {
    CURL* easy;
    Clock::time_point t0;
  };
  std::vector<Slot> slots(static_cast<size_t>(concurrency));
  LoadResult out;
  out.latency_us.reserve(static_cast<size_t>(total));
  int64_t started = 0, finished = 0;
  auto launch = [&](Slot& s) {
    s.t0 = Clock::now();
    curl_multi_add_handle(multi, s.easy);
    ++started;
  };
  size_t unlaunched = 0;  // slots [unlaunched, concurrency) wait for their turn in the stagger
  for (Slot& s : slots) {
    s.easy = curl_easy_init();
    curl_easy_setopt(s.easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(s.easy, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(s.easy, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(s.easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(s.easy, CURLOPT_WRITEFUNCTION, &Discard);
    curl_easy_setopt(s.easy, CURLOPT_PRIVATE, &s);
    curl_easy_setopt(s.easy, CURLOPT_NOSIGNAL, 1L);
  }
  auto start = Clock::now();
  auto turn = [&](size_t i) { return start + stagger * static_cast<int64_t>(i) / concurrency; };
  while (finished < total) {
    while (unlaunched < slots.size() && started < total && Clock::now() >= turn(unlaunched)) {
      launch(slots[unlaunched++]);
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      Slot* s = nullptr;
      curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&s));
      long status = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      if (m->data.result == CURLE_OK && status == 200) {
        out.latency_us.push_back(Us(s->t0, Clock::now()));
      } else {
        ++out.errors;
      }
      ++finished;
      curl_multi_remove_handle(multi, s->easy);
      if (started < total) launch(*s);
    }
    int wait_ms = 100;
    if (unlaunched < slots.size() && started < total) {
      auto until = std::chrono::ceil<std::chrono::milliseconds>(turn(unlaunched) - Clock::now());
      wait_ms = static_cast<int>(std::clamp<int64_t>(until.count(), 0, 100));
    }
    if (finished < total) curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
  }
  LoadResult done = Finished(std::move(out), start);
  for (Slot& s : slots) curl_easy_cleanup(s.easy);
  curl_slist_free_all(hdrs);
  curl_multi_cleanup(multi);
  return done;
}

namespace {

void Pool(LoadResult& into, const LoadResult& r) {
  into.requests += r.requests;
  into.errors += r.errors;
  into.seconds += r.seconds;
  into.latency_us.insert(into.latency_us.end(), r.latency_us.begin(), r.latency_us.end());
}

}  // namespace

Alternated Alternate(int rounds, const std::function<LoadResult()>& a,
                     const std::function<LoadResult()>& b) {
  Alternated out;
  for (int i = 0; i < rounds; ++i) {
    LoadResult ra, rb;
    if (i % 2 == 0) {
      ra = a();
      rb = b();
    } else {
      rb = b();
      ra = a();
    }
    Pool(out.a, ra);
    Pool(out.b, rb);
    Pool(out.a_half[i % 2], ra);
    Pool(out.b_half[i % 2], rb);
  }
  for (LoadResult* r :
       {&out.a, &out.b, &out.a_half[0], &out.a_half[1], &out.b_half[0], &out.b_half[1]}) {
    std::sort(r->latency_us.begin(), r->latency_us.end());
  }
  return out;
}

double HalvesApart(const Alternated& r, double p) {
  return std::max(std::abs(r.a_half[0].Percentile(p) - r.a_half[1].Percentile(p)),
                  std::abs(r.b_half[0].Percentile(p) - r.b_half[1].Percentile(p)));
}

std::string Describe(const LoadResult& r) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "p50 %7.0f us  p99 %7.0f us  p99.9 %7.0f us  %7.0f req/s%s",
                r.Percentile(50), r.Percentile(99), r.Percentile(99.9), r.Rps(),
                r.errors ? "  (errors!)" : "");
  return buf;
}

}  // namespace switchyard::bench
