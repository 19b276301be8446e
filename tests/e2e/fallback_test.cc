// The daemon, the fake provider and real sockets: each way a tier can fail, and what the
// client sees.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <thread>

#include "e2e/harness.h"

namespace switchyard::e2e {
namespace {

TEST(Fallback, PrimaryServerErrorIsServedBySecondTier) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "mode=error&status=500");
  auto client = cluster.Connect();
  CompleteReply r = client->Complete(Cluster::Ask("hello"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE(r.ok) << r.error.code << ": " << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o-mini");
  EXPECT_EQ(r.result.content, "Answer from gpt-4o-mini to: hello");
  EXPECT_EQ(r.result.finish_reason, "stop");
  EXPECT_GT(r.result.usage.output_tokens, 0);
  ASSERT_EQ(r.result.attempts.size(), 2u);
  EXPECT_EQ(r.result.attempts[0].model, "gpt-4o");
  EXPECT_EQ(r.result.attempts[0].outcome, "server_error");
  EXPECT_EQ(r.result.attempts[0].http_status, 500);
  EXPECT_EQ(r.result.attempts[1].outcome, "ok");
  EXPECT_EQ(cluster.fake().Requests("claude-3-5-haiku-latest"), 0);
}

TEST(Fallback, HangingPrimaryIsCutOffAtTheRouteTimeout) {
  ClusterOptions opt;
  opt.default_timeout_ms = 400;
  Cluster cluster(opt);
  cluster.fake().SetFault("gpt-4o", "mode=hang");
  auto client = cluster.Connect();
  auto start = std::chrono::steady_clock::now();
  CompleteReply r = client->Complete(Cluster::Ask("are you there"));
  int64_t took = MsSince(start);
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o-mini");
  ASSERT_EQ(r.result.attempts.size(), 2u);
  EXPECT_EQ(r.result.attempts[0].outcome, "timeout");
  EXPECT_GE(r.result.attempts[0].latency_ms, 400);
  EXPECT_GE(took, 400);
  EXPECT_LT(took, 400 + 300) << "fallback took far longer than the timeout";
}

TEST(Fallback, EveryTierFailingGivesAllModelsFailedWithEachAttempt) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "mode=error&status=503");
  cluster.fake().SetFault("gpt-4o-mini", "mode=reset");
  cluster.fake().SetFault("claude-3-5-haiku-latest", "mode=error&status=429&retry_after_s=3");
  auto client = cluster.Connect();
  CompleteReply r = client->Complete(Cluster::Ask("anyone?"));
  ASSERT_TRUE(r.status.ok());
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, "all_models_failed");
  ASSERT_EQ(r.error.attempts.size(), 3u);
  EXPECT_EQ(r.error.attempts[0].outcome, "server_error");
  EXPECT_EQ(r.error.attempts[0].http_status, 503);
  EXPECT_EQ(r.error.attempts[1].outcome, "transport_error");
  EXPECT_EQ(r.error.attempts[2].outcome, "rate_limited");
  EXPECT_EQ(r.error.attempts[2].model, "claude-haiku");
}

TEST(Fallback, TruncatedAndGarbageAnswersFallBack) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "mode=truncate");
  cluster.fake().SetFault("gpt-4o-mini", "mode=garbage");
  auto client = cluster.Connect();
  CompleteReply r = client->Complete(Cluster::Ask("x"));
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.model, "claude-haiku");
  EXPECT_EQ(r.result.attempts[0].outcome, "transport_error");
  EXPECT_EQ(r.result.attempts[1].outcome, "bad_response");
}

TEST(Fallback, UnauthorizedPrimaryGoesBackToTheClientAndNoOtherTierIsCalled) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "mode=error&status=401");
  auto client = cluster.Connect();
  CompleteReply r = client->Complete(Cluster::Ask("let me in"));
  ASSERT_TRUE(r.status.ok());
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, "request_rejected");
  EXPECT_EQ(r.error.http_status, 401);
  ASSERT_EQ(r.error.attempts.size(), 1u);
  EXPECT_EQ(r.error.attempts[0].outcome, "client_error");
  EXPECT_EQ(cluster.fake().Requests("gpt-4o"), 1);
  EXPECT_EQ(cluster.fake().Requests("gpt-4o-mini"), 0);
  EXPECT_EQ(cluster.fake().Requests("claude-3-5-haiku-latest"), 0);
}

TEST(Fallback, DeadlineShorterThanTimeoutEndsTheRequest) {
  Cluster cluster;
  cluster.fake().SetFault("*", "mode=hang");
  auto client = cluster.Connect();
  CompleteRequest req = Cluster::Ask("quick");
  req.deadline_ms = 300;
  auto start = std::chrono::steady_clock::now();
  CompleteReply r = client->Complete(req);
  EXPECT_LT(MsSince(start), 300 + 300);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.code, "deadline_exceeded");
  ASSERT_EQ(r.error.attempts.size(), 1u);
  EXPECT_EQ(r.error.attempts[0].outcome, "timeout");
}

// The benchmarks' microsecond latency: kept to within the loop's slack, and a request cut off
// while it waits leaves the fake serving (its timer and poll handles both closed).
TEST(Fallback, FakeLatencyInMicrosecondsIsKeptAndCutOffCleanly) {
  ClusterOptions opt;
  opt.default_timeout_ms = 400;
  Cluster cluster(opt);
  cluster.fake().SetFault("gpt-4o", "latency_us=60000");
  auto client = cluster.Connect();
  CompleteReply r = client->Complete(Cluster::Ask("in time"));
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o");
  ASSERT_EQ(r.result.attempts.size(), 1u);
  EXPECT_GE(r.result.attempts[0].latency_ms, 60);
  EXPECT_LT(r.result.attempts[0].latency_ms, 60 + 200);
  cluster.fake().SetFault("gpt-4o", "latency_us=3000000");
  for (int i = 0; i < 3; ++i) {
    r = client->Complete(Cluster::Ask("too slow"));
    ASSERT_TRUE(r.ok) << r.error.message;
    EXPECT_EQ(r.result.model, "gpt-4o-mini");
    EXPECT_EQ(r.result.attempts[0].outcome, "timeout");
  }
  cluster.fake().SetFault("gpt-4o", "latency_us=1000");
  r = client->Complete(Cluster::Ask("again"));
  ASSERT_TRUE(r.ok) << r.error.message;
  EXPECT_EQ(r.result.model, "gpt-4o");
}

TEST(Concurrency, FiftyRequestsInFlightOnOneConnection) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "latency_ms=100&jitter_ms=100");
  auto client = cluster.Connect();
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  std::vector<CompleteReply> replies(50);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) {
    client->CompleteAsync(Cluster::Ask("q" + std::to_string(i)), [&, i](CompleteReply r) {
      std::lock_guard<std::mutex> lock(mu);
      replies[i] = std::move(r);
      ++done;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return done == 50; }));
  // Concurrent, not one after another: 50 x 100-200 ms serially would be 5 s or more.
  EXPECT_LT(MsSince(start), 2500);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(replies[i].ok) << i << ": " << replies[i].error.message;
    // Each answer is matched to its own request by msgid.
    EXPECT_EQ(replies[i].result.content, "Answer from gpt-4o to: q" + std::to_string(i));
  }
}

TEST(Concurrency, FiftyConnectionsAtOnce) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "latency_ms=50");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      std::unique_ptr<Client> c;
      if (!Client::Connect(cluster.socket(), &c).ok()) return;
      CompleteReply r = c->Complete(Cluster::Ask("conn" + std::to_string(i)));
      if (r.ok && r.result.content == "Answer from gpt-4o to: conn" + std::to_string(i)) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 50);
}

// One Client shared by many threads, mixing blocking, asynchronous and streamed calls: what
// the TSan run of the suite watches for races in the client library (and, in the daemon it
// talks to, between the loop and the history's writer thread).
TEST(Concurrency, OneClientSharedByManyThreads) {
  Cluster cluster;
  cluster.fake().SetFault("gpt-4o", "jitter_ms=20&chunk_ms=1");
  auto client = cluster.Connect();
  constexpr int kThreads = 8, kEach = 12;
  std::atomic<int> ok{0}, chunks{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string q = "t" + std::to_string(t) + "-" + std::to_string(i);
        std::string want = "Answer from gpt-4o to: " + q;
        CompleteReply r;
        if (i % 3 == 0) {
          r = client->Complete(Cluster::Ask(q));
        } else if (i % 3 == 1) {
          std::promise<CompleteReply> p;
          client->CompleteAsync(Cluster::Ask(q),
                                [&p](CompleteReply x) { p.set_value(std::move(x)); });
          r = p.get_future().get();
        } else {
          std::string got;
          r = client->CompleteStream(Cluster::Ask(q), [&](const StreamChunk& c) {
            got += c.content;
            ++chunks;
          });
          if (got != want) continue;
        }
        if (r.ok && r.result.content == want) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_GT(chunks.load(), kThreads * (kEach / 3));
}

TEST(Status, ListsModelsWithBreakerAndTimeout) {
  ClusterOptions opt;
  opt.default_timeout_ms = 1234;
  Cluster cluster(opt);
  auto client = cluster.Connect();
  StatusReply s = client->GetStatus();
  ASSERT_TRUE(s.ok) << s.status.ToString();
  ASSERT_EQ(s.result.models.size(), 3u);
  for (const ModelStatus& m : s.result.models) {
    EXPECT_EQ(m.breaker, "closed") << m.name;
    EXPECT_EQ(m.timeout_ms, 1234) << m.name;
  }
  EXPECT_TRUE(client->Ping().ok());
}

}  // namespace
}  // namespace switchyard::e2e
